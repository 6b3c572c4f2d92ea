/**
 * What each side checks before it signs or keeps a session receipt (pure; the session layer does the
 * I/O). The content rule: each side signs only what it can vouch for, and a receipt is a lower bound.
 *
 * - The client proposes checkpoint `seq` with `bytesDown` = what it received, `bytesUp` = what it sent
 *   before the proposal (on an ordered session, what the provider has received when it reads it),
 *   `amount` = everything it promised on the channel (the cumulative voucher value, ticks included),
 *   `startTime` = when the session was paid, `endTime` = now; it signs with the channel's payer key.
 * - The provider countersigns only if the receipt is the session's next checkpoint (`RECEIPT_REPLAYED`,
 *   `RECEIPT_WRONG_SESSION`), claims no more than it saw — `bytesUp` ≤ received, `bytesDown` ≤ sent,
 *   `amount` ≤ the claim it holds, times inside the session and clock skew (`RECEIPT_OVERCLAIM`) — and
 *   does not fall below the previous checkpoint (`RECEIPT_REGRESSED`).
 * - The client keeps a countersignature only for a checkpoint of its own session it proposed.
 */
import type { Hex } from 'viem';
import { RECEIPT_CLOCK_SKEW_S } from './constants.ts';
import { AccountingError } from './errors.ts';
import { checkpointIdOf, type Receipt } from './receipt.ts';
import type { ReceiptMessage } from './receiptMessages.ts';

/** What the provider saw of the session when a proposal arrives. */
export type ProviderReceiptView = {
  sessionId: Hex;
  channelId: Hex;
  /** The checkpoint expected next (0 first). */
  nextSeq: number;
  /** The session's previous countersigned receipt, if any. */
  previous?: Receipt;
  /** Session bytes received from the client and sent to it. */
  received: bigint;
  sent: bigint;
  /** The channel's best claim (cumulative, every session). */
  value: bigint;
  /** When the provider started the session, and now (unix seconds). */
  sessionStart: bigint;
  now: bigint;
};

function sameHex(a: Hex, b: Hex): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Checks that `message` names checkpoint `seq` of this session and channel. */
export function checkReceiptNames(message: ReceiptMessage, sessionId: Hex, channelId: Hex): void {
  const { seq, receipt } = message;
  if (!sameHex(receipt.sessionId, checkpointIdOf(sessionId, seq)) || !sameHex(receipt.channelId, channelId))
    throw new AccountingError(
      'RECEIPT_WRONG_SESSION',
      `receipt ${seq} does not name this session's checkpoint ${seq} on channel ${channelId}`,
      'a receipt carries checkpointIdOf(sessionId, seq) and the session channel',
      { seq },
    );
}

/** The provider's checks of a client's proposal, before it verifies the signature and countersigns. */
export function checkProposedReceipt(message: ReceiptMessage, view: ProviderReceiptView): void {
  const { seq, receipt } = message;
  if (seq < view.nextSeq)
    throw new AccountingError(
      'RECEIPT_REPLAYED',
      `checkpoint ${seq} of this session is already settled`,
      `the next checkpoint is ${view.nextSeq}; the stored receipts are kept`,
      { seq },
    );
  if (seq > view.nextSeq)
    throw new AccountingError(
      'RECEIPT_WRONG_SESSION',
      `checkpoint ${seq} skips ahead of ${view.nextSeq}`,
      'checkpoints are numbered 0, 1, 2, … in one session',
      { seq },
    );
  checkReceiptNames(message, view.sessionId, view.channelId);
  const over: string[] = [];
  if (receipt.bytesUp > view.received) over.push(`bytesUp ${receipt.bytesUp} > received ${view.received}`);
  if (receipt.bytesDown > view.sent) over.push(`bytesDown ${receipt.bytesDown} > sent ${view.sent}`);
  if (receipt.amount > view.value) over.push(`amount ${receipt.amount} > claim held ${view.value}`);
  if (receipt.endTime > view.now + RECEIPT_CLOCK_SKEW_S) over.push(`endTime ${receipt.endTime} in the future`);
  if (receipt.startTime + RECEIPT_CLOCK_SKEW_S < view.sessionStart)
    over.push(`startTime ${receipt.startTime} before the session`);
  if (receipt.endTime < receipt.startTime) over.push(`endTime ${receipt.endTime} before startTime`);
  if (over.length > 0)
    throw new AccountingError(
      'RECEIPT_OVERCLAIM',
      `receipt ${seq} claims more than the provider saw`,
      over.join('; '),
      {
        seq,
      },
    );
  const previous = view.previous;
  if (
    previous &&
    (receipt.bytesUp < previous.bytesUp ||
      receipt.bytesDown < previous.bytesDown ||
      receipt.amount < previous.amount ||
      receipt.startTime !== previous.startTime ||
      receipt.endTime < previous.endTime)
  )
    throw new AccountingError(
      'RECEIPT_REGRESSED',
      `receipt ${seq} is below the session's previous checkpoint`,
      'receipts are cumulative: counts, amount and end time never go down, the start time never changes',
      { seq },
    );
}
