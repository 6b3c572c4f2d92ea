/**
 * A volume receipt on the wire, inside a session (a PAYMENT frame, like payments and checkpoint receipts): the
 * payer's EdDSA-Poseidon receipt for the channel, its BabyJubJub key, and its EIP-712 consent that the key is
 * the channel's (`RegisterChannelKey`, for `VolumeLedger.registerChannel`). The client sends one after the
 * session's final checkpoint receipt; the provider keeps the newest per channel. Strict: a wrong type or
 * length is `VOLUME_OUT_OF_RANGE`.
 *
 *   volume  0x05 ‖ channelId (32) ‖ epoch (uint64 BE) ‖ bytes (uint64 BE) ‖ value (uint256 BE) ‖ R8x (32) ‖
 *           R8y (32) ‖ S (32) ‖ pubX (32) ‖ pubY (32) ‖ registration signature (65)             306 bytes
 */
import { bytesToHex, type Hex, hexToBytes } from 'viem';
import { VolumeError } from './VolumeError.ts';
import type { SignedVolumeReceipt, VolumePublicKey } from './volumeReceipt.ts';

export const VOLUME_RECEIPT_MESSAGE = 0x05;
export const VOLUME_RECEIPT_MESSAGE_BYTES = 306;

export type VolumeReceiptMessage = { receipt: SignedVolumeReceipt; key: VolumePublicKey; registrationSignature: Hex };

export function isVolumeReceiptMessage(payload: Uint8Array): boolean {
  return payload[0] === VOLUME_RECEIPT_MESSAGE;
}

function uint(value: bigint, bytes: number, what: string): Uint8Array {
  if (value < 0n || value >= 2n ** BigInt(bytes * 8))
    throw new VolumeError('VOLUME_OUT_OF_RANGE', `${what} ${value} does not fit ${bytes * 8} bits`);
  return hexToBytes(`0x${value.toString(16).padStart(bytes * 2, '0')}`);
}

export function encodeVolumeReceiptMessage({ receipt, key, registrationSignature }: VolumeReceiptMessage): Buffer {
  const signature = hexToBytes(registrationSignature);
  if (signature.length !== 65)
    throw new VolumeError('VOLUME_OUT_OF_RANGE', `a registration signature has 65 bytes, not ${signature.length}`);
  return Buffer.concat([
    Uint8Array.of(VOLUME_RECEIPT_MESSAGE),
    hexToBytes(receipt.channelId),
    uint(receipt.epoch, 8, 'epoch'),
    uint(receipt.bytes, 8, 'bytes'),
    uint(receipt.value, 32, 'value'),
    uint(receipt.signature.R8x, 32, 'R8x'),
    uint(receipt.signature.R8y, 32, 'R8y'),
    uint(receipt.signature.S, 32, 'S'),
    uint(key.x, 32, 'pubX'),
    uint(key.y, 32, 'pubY'),
    signature,
  ]);
}

export function decodeVolumeReceiptMessage(bytes: Uint8Array): VolumeReceiptMessage {
  if (bytes[0] !== VOLUME_RECEIPT_MESSAGE || bytes.length !== VOLUME_RECEIPT_MESSAGE_BYTES)
    throw new VolumeError(
      'VOLUME_OUT_OF_RANGE',
      `not a volume receipt message (type ${bytes[0] ?? 'none'}, ${bytes.length} bytes)`,
      `a volume receipt is ${VOLUME_RECEIPT_MESSAGE_BYTES} bytes of type ${VOLUME_RECEIPT_MESSAGE}`,
    );
  let at = 1;
  const take = (n: number) => {
    const part = bytes.subarray(at, at + n);
    at += n;
    return part;
  };
  const big = (n: number) => BigInt(bytesToHex(take(n)));
  const channelId = bytesToHex(take(32));
  const epoch = big(8);
  const count = big(8);
  const value = big(32);
  const signature = { R8x: big(32), R8y: big(32), S: big(32) };
  const key = { x: big(32), y: big(32) };
  return {
    receipt: { channelId, epoch, bytes: count, value, signature },
    key,
    registrationSignature: bytesToHex(take(65)),
  };
}
