import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Hex } from 'viem';
import type { Claim } from '../accounting/PayeeChannel.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { ChannelStore } from './ChannelStore.ts';
import { openDatabase } from './openDatabase.ts';

const channelId = `0x${'AB'.repeat(32)}` as Hex;

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

function fresh(): { file: string; store: ChannelStore } {
  const file = join(mkdtempSync(join(tmpdir(), 'bandex-store-')), 'state.db');
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
  return { file, store };
}

test('claims persist across reopening and only ever move up in value', () => {
  const { file, store } = fresh();
  assert.equal(store.saveClaim(channelId, claim(10n ** 21n, 5)), true);
  assert.equal(store.saveClaim(channelId, claim(10n ** 20n, 9)), false, 'a stale (lower) claim is ignored');
  assert.equal(
    store.saveClaim(channelId, claim(10n ** 21n + 1n, 6)),
    true,
    'one wei more is stored (no float rounding)',
  );
  store.close();
  const reopened = new ChannelStore(openDatabase({ file }));
  const latest = reopened.latestClaim(channelId);
  assert.equal(latest?.value, 10n ** 21n + 1n);
  assert.equal(latest?.ticks, 6);
  assert.equal(reopened.getChannel(channelId)?.deposit, 10n ** 24n);
  reopened.close();
});

test('a database from a newer Bandex is refused with a clear error', () => {
  const { file, store } = fresh();
  store.close();
  const db = openDatabase({ file });
  db.prepare('UPDATE schema_version SET version = 99').run();
  db.close();
  assert.throws(
    () => openDatabase({ file }),
    (e) => hasErrorCode(e, 'STORE_UNUSABLE') && /newer than this Bandex/.test((e as Error).message),
  );
});
