/**
 * The binary encoding of a receipt message inside a session (a PAYMENT frame, like the payments): one
 * fixed-size record carrying checkpoint `seq`, the whole EIP-712 `Receipt` and one signature over it.
 * The client sends it with its (payer) signature to propose a checkpoint; the provider answers with
 * the same layout carrying its own signature. Strict: a wrong type or length is `MESSAGE_MALFORMED`.
 *
 *   receipt  0x04 ‖ seq (uint32 BE) ‖ sessionId (32) ‖ channelId (32) ‖ bytesUp (uint64 BE) ‖
 *            bytesDown (uint64 BE) ‖ amount (uint256 BE) ‖ startTime (uint64 BE) ‖ endTime (uint64 BE) ‖
 *            signature (65)                                                               198 bytes
 */
import { bytesToHex, type Hex, hexToBytes } from 'viem';
import { AccountingError } from './errors.ts';
import type { Receipt } from './receipt.ts';

export const RECEIPT_MESSAGE = 0x04;
export const RECEIPT_MESSAGE_BYTES = 198;

export type ReceiptMessage = { seq: number; receipt: Receipt; signature: Hex };

function uint(value: bigint, bytes: number, what: string): Uint8Array {
  if (value < 0n || value >= 2n ** BigInt(bytes * 8))
    throw new AccountingError('MESSAGE_MALFORMED', `${what} ${value} does not fit ${bytes * 8} bits`);
  return hexToBytes(`0x${value.toString(16).padStart(bytes * 2, '0')}`);
}

/** True when `payload` is a receipt message (by its type byte): the session routes it here. */
export function isReceiptMessage(payload: Uint8Array): boolean {
  return payload[0] === RECEIPT_MESSAGE;
}

export function encodeReceiptMessage({ seq, receipt, signature }: ReceiptMessage): Buffer {
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffff_ffff)
    throw new AccountingError('MESSAGE_MALFORMED', `checkpoint ${seq} does not fit 32 bits`);
  const sig = hexToBytes(signature);
  if (sig.length !== 65)
    throw new AccountingError('MESSAGE_MALFORMED', `a receipt signature has 65 bytes, not ${sig.length}`);
  const head = Buffer.allocUnsafe(5);
  head[0] = RECEIPT_MESSAGE;
  head.writeUInt32BE(seq, 1);
  return Buffer.concat([
    head,
    hexToBytes(receipt.sessionId),
    hexToBytes(receipt.channelId),
    uint(receipt.bytesUp, 8, 'bytesUp'),
    uint(receipt.bytesDown, 8, 'bytesDown'),
    uint(receipt.amount, 32, 'amount'),
    uint(receipt.startTime, 8, 'startTime'),
    uint(receipt.endTime, 8, 'endTime'),
    sig,
  ]);
}

export function decodeReceiptMessage(bytes: Uint8Array): ReceiptMessage {
  if (bytes[0] !== RECEIPT_MESSAGE || bytes.length !== RECEIPT_MESSAGE_BYTES)
    throw new AccountingError(
      'MESSAGE_MALFORMED',
      `not a receipt message (type ${bytes[0] ?? 'none'}, ${bytes.length} bytes)`,
      `a receipt is ${RECEIPT_MESSAGE_BYTES} bytes of type ${RECEIPT_MESSAGE}`,
    );
  const hex = (from: number, to: number): Hex => bytesToHex(bytes.subarray(from, to));
  const num = (from: number, to: number) => BigInt(hex(from, to));
  const receipt: Receipt = {
    sessionId: hex(5, 37),
    channelId: hex(37, 69),
    bytesUp: num(69, 77),
    bytesDown: num(77, 85),
    amount: num(85, 117),
    startTime: num(117, 125),
    endTime: num(125, 133),
  };
  return { seq: Buffer.from(bytes).readUInt32BE(1), receipt, signature: hex(133, 198) };
}
