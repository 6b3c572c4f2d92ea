import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hex } from 'viem';
import { hasErrorCode } from '../errors/BaseError.ts';
import { checkpointIdOf, type Receipt, sessionIdOf } from './receipt.ts';
import { decodeReceiptMessage, encodeReceiptMessage, RECEIPT_MESSAGE_BYTES } from './receiptMessages.ts';
import { checkProposedReceipt, type ProviderReceiptView } from './receiptRules.ts';

const channelId = `0x${'22'.repeat(32)}` as Hex;
const sessionId = sessionIdOf(channelId, `0x${'01'.repeat(32)}`);
const signature = `0x${'ab'.repeat(65)}` as Hex;
const receipt = (seq: number, over: Partial<Receipt> = {}): Receipt => ({
  sessionId: checkpointIdOf(sessionId, seq),
  channelId,
  bytesUp: 1_000n,
  bytesDown: 5_000_000n,
  amount: 300n,
  startTime: 1_800_000_000n,
  endTime: 1_800_000_060n,
  ...over,
});
const view: ProviderReceiptView = {
  sessionId,
  channelId,
  nextSeq: 0,
  received: 1_000n,
  sent: 6_000_000n,
  value: 300n,
  sessionStart: 1_800_000_000n,
  now: 1_800_000_061n,
};
const code = (c: string) => (e: unknown) => hasErrorCode(e, c);

test('a receipt message round-trips byte for byte; anything else is MESSAGE_MALFORMED', () => {
  const message = { seq: 7, receipt: receipt(7), signature };
  const bytes = encodeReceiptMessage(message);
  assert.equal(bytes.length, RECEIPT_MESSAGE_BYTES);
  assert.deepEqual(decodeReceiptMessage(bytes), message);
  assert.throws(() => decodeReceiptMessage(bytes.subarray(0, 197)), code('MESSAGE_MALFORMED'));
  assert.throws(
    () => decodeReceiptMessage(Buffer.concat([Buffer.of(3), bytes.subarray(1)])),
    code('MESSAGE_MALFORMED'),
  );
  assert.throws(() => encodeReceiptMessage({ ...message, signature: '0xdead' }), code('MESSAGE_MALFORMED'));
  assert.throws(
    () => encodeReceiptMessage({ ...message, receipt: receipt(7, { bytesUp: 2n ** 64n }) }),
    code('MESSAGE_MALFORMED'),
  );
});

test('the provider countersigns the next checkpoint when it claims no more than it saw', () => {
  checkProposedReceipt({ seq: 0, receipt: receipt(0), signature }, view);
  // Less than seen is a true lower bound: fine.
  checkProposedReceipt({ seq: 0, receipt: receipt(0, { bytesDown: 1n, amount: 0n }), signature }, view);
});

test('inflated receipts are RECEIPT_OVERCLAIM, each field on its own', () => {
  for (const over of [
    { bytesUp: 1_001n },
    { bytesDown: 6_000_001n },
    { amount: 301n },
    { endTime: 1_800_000_061n + 121n },
    { startTime: 1_800_000_000n - 121n },
  ])
    assert.throws(
      () => checkProposedReceipt({ seq: 0, receipt: receipt(0, over), signature }, view),
      code('RECEIPT_OVERCLAIM'),
      JSON.stringify(over, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
    );
});

test('replayed, skipped, foreign and regressed checkpoints are refused with their codes', () => {
  const later = { ...view, nextSeq: 2, previous: receipt(1) };
  assert.throws(
    () => checkProposedReceipt({ seq: 1, receipt: receipt(1), signature }, later),
    code('RECEIPT_REPLAYED'),
  );
  assert.throws(
    () => checkProposedReceipt({ seq: 3, receipt: receipt(3), signature }, later),
    code('RECEIPT_WRONG_SESSION'),
  );
  // Checkpoint 2 carrying checkpoint 1's id, or another channel.
  assert.throws(
    () => checkProposedReceipt({ seq: 2, receipt: receipt(1), signature }, later),
    code('RECEIPT_WRONG_SESSION'),
  );
  assert.throws(
    () =>
      checkProposedReceipt({ seq: 2, receipt: receipt(2, { channelId: `0x${'33'.repeat(32)}` }), signature }, later),
    code('RECEIPT_WRONG_SESSION'),
  );
  assert.throws(
    () => checkProposedReceipt({ seq: 2, receipt: receipt(2, { bytesUp: 999n }), signature }, later),
    code('RECEIPT_REGRESSED'),
  );
  assert.throws(
    () => checkProposedReceipt({ seq: 2, receipt: receipt(2, { startTime: 1_800_000_001n }), signature }, later),
    code('RECEIPT_REGRESSED'),
  );
  checkProposedReceipt({ seq: 2, receipt: receipt(2), signature }, later);
});

test('every checkpoint of a session has its own id', () => {
  assert.notEqual(checkpointIdOf(sessionId, 0), checkpointIdOf(sessionId, 1));
  assert.notEqual(checkpointIdOf(sessionId, 0), sessionId);
});
