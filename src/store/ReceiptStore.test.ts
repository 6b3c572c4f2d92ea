import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Address, Hex } from 'viem';
import { checkpointIdOf, type Receipt, sessionIdOf } from '../accounting/receipt.ts';
import { openDatabase } from './openDatabase.ts';
import { ReceiptStore } from './ReceiptStore.ts';

const channelId = `0x${'ab'.repeat(32)}` as Hex;
const session = sessionIdOf(channelId, `0x${'01'.repeat(32)}`);
const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address;
const provider = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as Address;
const receipt = (seq: number, over: Partial<Receipt> = {}): Receipt => ({
  sessionId: checkpointIdOf(session, seq),
  channelId,
  bytesUp: BigInt(seq * 10),
  bytesDown: BigInt(seq * 100),
  amount: 10n ** 20n + BigInt(seq),
  startTime: 1_000n,
  endTime: 1_000n + BigInt(seq),
  ...over,
});
const entry = (seq: number, sigs: { providerSignature?: Hex; clientSignature?: Hex }, over: Partial<Receipt> = {}) => ({
  receipt: receipt(seq, over),
  session,
  seq,
  payer,
  provider,
  ...sigs,
});

function fresh() {
  const file = join(mkdtempSync(join(tmpdir(), 'bandex-receipts-')), 'state.db');
  return { file, store: new ReceiptStore(openDatabase({ file })) };
}

test('latestFullySigned is the newest checkpoint with both signatures, and survives a reopen', () => {
  const { file, store } = fresh();
  assert.equal(store.latestFullySigned(session), undefined);
  store.save(entry(0, { providerSignature: '0xa0', clientSignature: '0xc0' }));
  store.save(entry(1, { providerSignature: '0xa1', clientSignature: '0xc1' }));
  store.save(entry(2, { clientSignature: '0xc2' })); // proposed, never countersigned
  assert.equal(store.latest(session)?.seq, 2);
  const reopened = new ReceiptStore(openDatabase({ file }));
  const best = reopened.latestFullySigned(session);
  assert.equal(best?.seq, 1);
  assert.deepEqual(best?.receipt, receipt(1));
  assert.equal(best?.providerSignature, '0xa1');
  assert.equal(best?.clientSignature, '0xc1');
});

test('saving the same receipt again adds the missing signature and loses none', () => {
  const { store } = fresh();
  store.save(entry(0, { clientSignature: '0xc0' }));
  const merged = store.save(entry(0, { providerSignature: '0xa0' }));
  assert.equal(merged.clientSignature, '0xc0');
  assert.equal(merged.providerSignature, '0xa0');
  const again = store.save(entry(0, { providerSignature: '0xff', clientSignature: '0xff' }));
  assert.equal(again.providerSignature, '0xa0');
  assert.equal(store.list({ session }).length, 1);
});

test('two contents for one checkpoint are both kept; conflicting finds the provider-signed other', () => {
  const { store } = fresh();
  store.save(entry(0, { providerSignature: '0xa0', clientSignature: '0xc0' }));
  assert.deepEqual(store.conflicting(receipt(0)), []);
  const other = receipt(0, { bytesDown: 1n });
  assert.equal(store.conflicting(other).length, 1);
  assert.equal(store.conflicting(other)[0]?.providerSignature, '0xa0');
  store.save(entry(0, { providerSignature: '0xa9' }, { bytesDown: 1n }));
  assert.equal(store.list({ session }).length, 2);
});

test('list filters by channel, payer, provider and end-time range, newest first', () => {
  const { store } = fresh();
  for (let seq = 0; seq < 5; seq++) store.save(entry(seq, { providerSignature: '0xa0', clientSignature: '0xc0' }));
  store.save({ ...entry(0, {}, { channelId: `0x${'cd'.repeat(32)}` }), payer: provider });
  assert.deepEqual(
    store.list({ channelId, from: 1_001n, to: 1_003n }).map((r) => r.seq),
    [3, 2, 1],
  );
  assert.equal(store.list({ payer }).length, 5);
  assert.equal(store.list({ payer: provider }).length, 1);
  assert.equal(store.list({ provider, limit: 2 }).length, 2);
  assert.equal(store.list({ payer: '0x0000000000000000000000000000000000000001' }).length, 0);
});
