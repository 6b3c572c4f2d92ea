/**
 * The binary encoding of a cooperative-close message inside a session (a PAYMENT frame, like the payments and
 * receipts): the final cumulative amount of the session's channel and one EIP-712 `CloseChannel` signature
 * over it. The client sends it with its payer signature when it ends; the provider answers with the same
 * layout carrying its own signature, or — when it will not sign — the amount it would sign (its best claim)
 * and an all-zero signature. Strict: a wrong type or length is `MESSAGE_MALFORMED`.
 *
 *   close  0x06 ‖ channelId (32) ‖ amount (uint256 BE) ‖ signature (65)                  130 bytes
 */
import { bytesToHex, type Hex, hexToBytes } from 'viem';
import { AccountingError } from './errors.ts';

export const CLOSE_MESSAGE = 0x06;
export const CLOSE_MESSAGE_BYTES = 130;
/** The signature of a refusal: no key signs to this. */
export const NO_SIGNATURE: Hex = `0x${'00'.repeat(65)}`;

export type CloseMessage = { channelId: Hex; amount: bigint; signature: Hex };

/** True when `payload` is a close message (by its type byte): the session routes it here. */
export function isCloseMessage(payload: Uint8Array): boolean {
  return payload[0] === CLOSE_MESSAGE;
}

export function encodeCloseMessage({ channelId, amount, signature }: CloseMessage): Buffer {
  const id = hexToBytes(channelId);
  const sig = hexToBytes(signature);
  if (id.length !== 32) throw new AccountingError('MESSAGE_MALFORMED', `a channel id has 32 bytes, not ${id.length}`);
  if (sig.length !== 65)
    throw new AccountingError('MESSAGE_MALFORMED', `a close signature has 65 bytes, not ${sig.length}`);
  if (amount < 0n || amount >= 2n ** 256n)
    throw new AccountingError('MESSAGE_MALFORMED', `${amount} does not fit 256 bits`);
  const out = Buffer.alloc(CLOSE_MESSAGE_BYTES);
  out[0] = CLOSE_MESSAGE;
  out.set(id, 1);
  out.set(hexToBytes(`0x${amount.toString(16).padStart(64, '0')}`), 33);
  out.set(sig, 65);
  return out;
}

export function decodeCloseMessage(payload: Uint8Array): CloseMessage {
  if (payload[0] !== CLOSE_MESSAGE || payload.length !== CLOSE_MESSAGE_BYTES)
    throw new AccountingError(
      'MESSAGE_MALFORMED',
      `a close message has type ${CLOSE_MESSAGE} and ${CLOSE_MESSAGE_BYTES} bytes, not type ${payload[0]} and ${payload.length}`,
    );
  return {
    channelId: bytesToHex(payload.subarray(1, 33)),
    amount: BigInt(bytesToHex(payload.subarray(33, 65))),
    signature: bytesToHex(payload.subarray(65, 130)),
  };
}

/** True for the all-zero signature of a refusal. */
export function isRefusal(message: CloseMessage): boolean {
  return message.signature === NO_SIGNATURE;
}
