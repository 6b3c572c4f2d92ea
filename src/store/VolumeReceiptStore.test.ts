import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Address, Hex } from 'viem';
import { openDatabase } from './openDatabase.ts';
import { VolumeReceiptStore } from './VolumeReceiptStore.ts';

const channelId = `0x${'ab'.repeat(32)}` as Hex;
const provider = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as Address;
const payer = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address;
const entry = (epoch: bigint, bytes: bigint, value: bigint, id: Hex = channelId) => ({
  channel: { channelId: id, payee: provider, deposit: 10n ** 20n, key: { x: 1n, y: 2n } },
  payer,
  registrationSignature: `0x${'11'.repeat(65)}` as Hex,
  receipt: { channelId: id, epoch, bytes, value, signature: { R8x: 3n, R8y: 4n, S: 5n } },
});

test('keeps the newest receipt per channel, lists the unclaimed ones by epoch, and survives a reopen', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'bandex-volume-store-')), 'state.db');
  const store = new VolumeReceiptStore(openDatabase({ file }));
  assert.equal(store.save(entry(5n, 100n, 10n)), true);
  assert.equal(store.save(entry(5n, 200n, 20n)), true, 'a newer cumulative receipt replaces it');
  assert.equal(store.save(entry(5n, 150n, 30n)), false, 'fewer bytes: older, ignored');
  assert.equal(store.save(entry(4n, 300n, 30n)), false, 'an earlier epoch: ignored');
  const other = `0x${'cd'.repeat(32)}` as Hex;
  store.save(entry(6n, 1n, 1n, other));
  assert.deepEqual(
    store.unclaimed(0n, 10n).map((r) => [r.channel.channelId, r.receipt.epoch, r.receipt.bytes]),
    [
      [channelId, 5n, 200n],
      [other, 6n, 1n],
    ],
  );
  assert.deepEqual(store.unclaimed(6n, 6n).length, 1);
  store.markClaimed([channelId], 5n);
  assert.equal(store.save(entry(5n, 900n, 90n)), false, 'a counted channel never changes');
  const reopened = new VolumeReceiptStore(openDatabase({ file }));
  assert.equal(reopened.get(channelId)?.claimedEpoch, 5n);
  assert.deepEqual(reopened.get(channelId)?.receipt, entry(5n, 200n, 20n).receipt);
  assert.deepEqual(
    reopened.unclaimed(0n, 10n).map((r) => r.channel.channelId),
    [other],
  );
});
