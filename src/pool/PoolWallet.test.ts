import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { createNote, noteCommitment } from './note.ts';
import { PoolWallet } from './PoolWallet.ts';

const file = () => join(mkdtempSync(join(tmpdir(), 'bandex-pool-wallet-')), 'notes.json');

describe('PoolWallet', () => {
  it('keeps notes sealed with the wallet and reads them back', async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const path = file();
    const wallet = await PoolWallet.open(path, account);
    const note = createNote(10n ** 19n);
    wallet.add({ ...note, status: 'unspent', leafIndex: 3 });
    const text = readFileSync(path, 'utf8');
    assert.ok(!text.includes(String(note.secret)) && !text.includes(String(note.nullifierKey)), 'no secret in clear');
    const reopened = await PoolWallet.open(path, account);
    assert.deepEqual(reopened.notes, [{ ...note, status: 'unspent', leafIndex: 3 }]);
    assert.equal(reopened.balance(), 10n ** 19n);
  });

  it('refuses a file sealed by another wallet, or altered, and leaves it as it was', async () => {
    const path = file();
    const owner = privateKeyToAccount(generatePrivateKey());
    const wallet = await PoolWallet.open(path, owner);
    wallet.add({ ...createNote(1n), status: 'unspent' });
    const before = readFileSync(path, 'utf8');
    await assert.rejects(PoolWallet.open(path, privateKeyToAccount(generatePrivateKey())), (e) =>
      hasErrorCode(e, 'POOL_NOTES_UNREADABLE'),
    );
    assert.equal(readFileSync(path, 'utf8'), before);
    const sealed = JSON.parse(before);
    sealed.ciphertext = `${sealed.ciphertext.slice(0, -2)}${sealed.ciphertext.endsWith('00') ? '01' : '00'}`;
    writeFileSync(path, JSON.stringify(sealed));
    await assert.rejects(PoolWallet.open(path, owner), (e) => hasErrorCode(e, 'POOL_NOTES_UNREADABLE'));
  });

  it('picks the smallest spendable note that covers an amount', async () => {
    const wallet = await PoolWallet.open(file(), privateKeyToAccount(generatePrivateKey()));
    wallet.add({ ...createNote(100n), status: 'unspent', leafIndex: 0 });
    wallet.add({ ...createNote(10n), status: 'unspent', leafIndex: 1 });
    wallet.add({ ...createNote(5n), status: 'unspent' }); // not in the tree yet
    wallet.add({ ...createNote(50n), status: 'spent', leafIndex: 2 });
    assert.equal(wallet.pick(7n)?.value, 10n);
    assert.equal(wallet.pick(11n)?.value, 100n);
    assert.equal(wallet.pick(101n), undefined);
    assert.equal(wallet.pick(3n)?.value, 10n, 'a note without a leaf index is not spendable yet');
    assert.equal(wallet.balance(), 110n, 'nor counted');
  });

  it("learns a refund note's value and leaf index from the chain", async () => {
    const wallet = await PoolWallet.open(file(), privateKeyToAccount(generatePrivateKey()));
    const refund = createNote(0n);
    const channelId = `0x${'ab'.repeat(32)}` as const;
    wallet.add({ ...refund, status: 'refund', refundOf: channelId });
    wallet.sync([], new Map());
    assert.equal(wallet.balance(), 0n);
    const commitment = noteCommitment({ ...refund, value: 7n });
    wallet.sync([1n, 2n, commitment], new Map([[channelId, { refund: 7n }]]));
    assert.equal(wallet.notes[0]?.status, 'unspent');
    assert.equal(wallet.notes[0]?.value, 7n);
    assert.equal(wallet.notes[0]?.leafIndex, 2);
    assert.equal(wallet.balance(), 7n);
  });
});
