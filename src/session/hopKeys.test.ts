/** Hop keys: fresh per channel, never the wallet, and re-derived from the store after a crash. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { deriveHopKey, newHopKey, recoverHopKey } from './hopKeys.ts';

describe('hop keys', () => {
  const wallet = privateKeyToAccount(generatePrivateKey());

  it('one salt, one key: the derivation is deterministic (RFC 6979 signatures)', async () => {
    const salt = `0x${'ab'.repeat(32)}` as const;
    assert.equal((await deriveHopKey(wallet, salt)).address, (await deriveHopKey(wallet, salt)).address);
    const other = privateKeyToAccount(generatePrivateKey());
    assert.notEqual((await deriveHopKey(other, salt)).address, (await deriveHopKey(wallet, salt)).address);
  });

  it('every new key differs from the others and from the wallet; a reopened store recovers each', async () => {
    const file = `/tmp/bandex-hopkeys-${process.pid}-${Date.now()}.db`;
    const store = new ChannelStore(openDatabase({ file }));
    const keys = [];
    for (let i = 0; i < 5; i++) keys.push(await newHopKey(wallet, store));
    const addresses = new Set([wallet.address, ...keys.map((k) => k.address)]);
    assert.equal(addresses.size, 6);
    store.close();
    const reopened = new ChannelStore(openDatabase({ file }));
    for (const key of keys) assert.equal((await recoverHopKey(wallet, reopened, key.address))?.address, key.address);
    // Another wallet cannot derive them from the store alone.
    const thief = privateKeyToAccount(generatePrivateKey());
    assert.equal(await recoverHopKey(thief, reopened, (keys[0] as (typeof keys)[number]).address), undefined);
    assert.equal(await recoverHopKey(wallet, reopened, thief.address), undefined);
    reopened.close();
  });
});
