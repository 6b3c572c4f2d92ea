/**
 * The binary encoding of payment messages inside a session: fixed-size records behind a one-byte
 * type, so decoding is a length check and a few slices. Strict: an unknown type, a wrong length or a
 * non-canonical field is a typed error, never a crash.
 *
 *   tick     0x01 ‖ preimage (32)                                                    33 bytes
 *   voucher  0x02 ‖ channelId (32) ‖ amount (32) ‖ tickAnchor (32) ‖ tickValue (32) ‖ signature (65)   194 bytes
 *   ticks    0x03 ‖ count (uint16 BE, 1..MAX_TICKS_PER_MESSAGE) ‖ preimage (32)      35 bytes
 *
 * `ticks` pays `count` ticks with one preimage, the newest: the payee hashes it forward `count` times
 * to the element it accepted last.
 */
import { bytesToHex, type Hex, hexToBytes } from 'viem';
import { MAX_TICKS_PER_MESSAGE } from './constants.ts';
import { AccountingError } from './errors.ts';
import type { Payment, PaymentMessage } from './PayerChannel.ts';

export const TICK_MESSAGE = 0x01;
export const VOUCHER_MESSAGE = 0x02;
export const TICKS_MESSAGE = 0x03;
export const TICK_MESSAGE_BYTES = 33;
export const VOUCHER_MESSAGE_BYTES = 194;
export const TICKS_MESSAGE_BYTES = 35;

function uint256(value: bigint): Uint8Array {
  if (value < 0n || value >= 2n ** 256n)
    throw new AccountingError('MESSAGE_MALFORMED', `${value} does not fit 256 bits`);
  return hexToBytes(`0x${value.toString(16).padStart(64, '0')}`);
}

export function encodePayment(payment: PaymentMessage): Buffer {
  if (payment.kind === 'tick') {
    const out = Buffer.allocUnsafe(TICK_MESSAGE_BYTES);
    out[0] = TICK_MESSAGE;
    payment.preimage.copy(out, 1, 0, 32);
    return out;
  }
  if (payment.kind === 'ticks') {
    const { count, preimage } = payment;
    if (!Number.isInteger(count) || count < 1 || count > MAX_TICKS_PER_MESSAGE || preimage.length !== 32)
      throw new AccountingError('MESSAGE_MALFORMED', `a ticks message pays 1 to ${MAX_TICKS_PER_MESSAGE} ticks`);
    const out = Buffer.allocUnsafe(TICKS_MESSAGE_BYTES);
    out[0] = TICKS_MESSAGE;
    out.writeUInt16BE(count, 1);
    preimage.copy(out, 3, 0, 32);
    return out;
  }
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

/** Decodes any payment message: a tick, a batch of ticks, or a voucher. */
export function decodePaymentMessage(bytes: Uint8Array): PaymentMessage {
  const type = bytes[0];
  if (type === TICKS_MESSAGE && bytes.length === TICKS_MESSAGE_BYTES) {
    const count = ((bytes[1] as number) << 8) | (bytes[2] as number);
    if (count >= 1 && count <= MAX_TICKS_PER_MESSAGE)
      return { kind: 'ticks', count, preimage: Buffer.from(bytes.subarray(3, 35)) };
  }
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
    `a tick is ${TICK_MESSAGE_BYTES} bytes of type 1, a voucher ${VOUCHER_MESSAGE_BYTES} bytes of type 2, ` +
      `ticks ${TICKS_MESSAGE_BYTES} bytes of type 3 paying 1 to ${MAX_TICKS_PER_MESSAGE}`,
  );
}

/** Decodes a single tick or a voucher: for a payee that does not take batches (a `ticks` message is
 * `MESSAGE_MALFORMED` here). Sessions use `decodePaymentMessage`. */
export function decodePayment(bytes: Uint8Array): Payment {
  const payment = decodePaymentMessage(bytes);
  if (payment.kind === 'ticks')
    throw new AccountingError('MESSAGE_MALFORMED', 'a ticks message where single ticks were expected');
  return payment;
}
