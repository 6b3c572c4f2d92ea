import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Hex } from 'viem';
import type { Claim } from '../accounting/PayeeChannel.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { ChannelStore } from './ChannelStore.ts';
import { ClaimWriter } from './ClaimWriter.ts';
import { openDatabase } from './openDatabase.ts';

const channelId = `0x${'CD'.repeat(32)}` as Hex;

function claim(value: bigint, ticks: number): Claim {
  return {
    signed: {
      voucher: { channelId, amount: value - BigInt(ticks), tickAnchor: `0x${'01'.repeat(32)}`, tickValue: 1n },
      signature: '0x1234',
    },
    preimage: `0x${'02'.repeat(32)}`,
    ticks,
    value,
  };
}

test('claims saved by the writer thread are committed when save resolves, in order, and only move up', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'bandex-claims-')), 'provider.db');
  const store = new ChannelStore(openDatabase({ file }));
  store.saveChannel({
    channelId,
    role: 'payee',
    chainId: 31337,
    contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    payer: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    payee: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
    deposit: 10n ** 24n,
  });
  const writer = new ClaimWriter({ file });
  assert.equal(await writer.saveClaim(channelId, claim(1000n, 3)), true);
  // Visible to the daemon's own connection as soon as the save resolved.
  assert.equal(store.latestClaim(channelId)?.value, 1000n);
  assert.equal(await writer.saveClaim(channelId, claim(999n, 2)), false, 'a lower claim is not stored');
  // Many saves in flight at once land in order: the last (highest) wins, none is lost.
  const saves = Array.from({ length: 50 }, (_, i) => writer.saveClaim(channelId, claim(2000n + BigInt(i), i)));
  const closed = writer.close(); // waits for all of them
  assert.deepEqual(await Promise.all(saves), Array(50).fill(true));
  await closed;
  assert.equal(store.latestClaim(channelId)?.value, 2049n);
  assert.equal(store.latestClaim(channelId)?.ticks, 49);
  await assert.rejects(writer.saveClaim(channelId, claim(5000n, 1)), (e) => hasErrorCode(e, 'STORE_UNUSABLE'));
  store.close();
});

test('a database the writer cannot open fails every save with a store error instead of hanging', async () => {
  // A directory path through a regular file: the thread's openDatabase fails (ENOTDIR).
  const notADirectory = join(mkdtempSync(join(tmpdir(), 'bandex-claims-')), 'file');
  writeFileSync(notADirectory, 'x');
  const writer = new ClaimWriter({ file: join(notADirectory, 'state', 'provider.db') });
  await assert.rejects(writer.saveClaim(channelId, claim(1n, 1)), (e) => hasErrorCode(e, 'STORE_UNUSABLE'));
  await writer.close();
});
