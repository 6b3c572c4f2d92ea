/**
 * The binary encoding of payment messages inside a session: fixed-size records behind a one-byte
 * type, so decoding is a length check and a few slices. Strict: an unknown type, a wrong length or a
 * non-canonical field is a typed error, never a crash.
 *
 *   tick     0x01 ‖ preimage (32)                                                    33 bytes
 *   voucher  0x02 ‖ channelId (32) ‖ amount (32) ‖ tickAnchor (32) ‖ tickValue (32) ‖ signature (65)   194 bytes
 */
import { bytesToHex, type Hex, hexToBytes } from 'viem';
import { AccountingError } from './errors.ts';
import type { Payment } from './PayerChannel.ts';

export const TICK_MESSAGE = 0x01;
export const VOUCHER_MESSAGE = 0x02;
export const TICK_MESSAGE_BYTES = 33;
export const VOUCHER_MESSAGE_BYTES = 194;

function uint256(value: bigint): Uint8Array {
  if (value < 0n || value >= 2n ** 256n)
    throw new AccountingError('MESSAGE_MALFORMED', `${value} does not fit 256 bits`);
  return hexToBytes(`0x${value.toString(16).padStart(64, '0')}`);
}

export function encodePayment(payment: Payment): Buffer {
  if (payment.kind === 'tick') return Buffer.concat([Buffer.of(TICK_MESSAGE), payment.preimage]);
  const { voucher, signature } = payment.signed;
  const sig = hexToBytes(signature);
  if (sig.length !== 65)
    throw new AccountingError('MESSAGE_MALFORMED', `a voucher signature has 65 bytes, not ${sig.length}`);
  return Buffer.concat([
    Buffer.of(VOUCHER_MESSAGE),
    hexToBytes(voucher.channelId),
    uint256(voucher.amount),
    hexToBytes(voucher.tickAnchor),
    uint256(voucher.tickValue),
    sig,
  ]);
}

export function decodePayment(bytes: Uint8Array): Payment {
  const type = bytes[0];
  if (type === TICK_MESSAGE && bytes.length === TICK_MESSAGE_BYTES)
    return { kind: 'tick', preimage: Buffer.from(bytes.subarray(1, 33)) };
  if (type === VOUCHER_MESSAGE && bytes.length === VOUCHER_MESSAGE_BYTES) {
    const hex = (from: number, to: number): Hex => bytesToHex(bytes.subarray(from, to));
    return {
      kind: 'voucher',
      signed: {
        voucher: {
          channelId: hex(1, 33),
          amount: BigInt(hex(33, 65)),
          tickAnchor: hex(65, 97),
          tickValue: BigInt(hex(97, 129)),
        },
        signature: hex(129, 194),
      },
    };
  }
  throw new AccountingError(
    'MESSAGE_MALFORMED',
    `not a payment message (type ${type ?? 'none'}, ${bytes.length} bytes)`,
    `a tick is ${TICK_MESSAGE_BYTES} bytes of type 1, a voucher ${VOUCHER_MESSAGE_BYTES} bytes of type 2`,
  );
}
