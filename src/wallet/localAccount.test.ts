import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { type Hex, recoverAddress } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { localAccount } from './localAccount.ts';

test('localAccount signs hashes exactly as viem does (RFC 6979, low s, v 27/28), and recoverably', async () => {
  for (let i = 0; i < 25; i++) {
    const key = generatePrivateKey();
    const fast = localAccount(key);
    const viem = privateKeyToAccount(key);
    assert.equal(fast.address, viem.address);
    const hash = `0x${randomBytes(32).toString('hex')}` as Hex;
    const signature = await fast.sign?.({ hash });
    assert.ok(signature);
    assert.equal(signature, await viem.sign?.({ hash }));
    assert.equal(await recoverAddress({ hash, signature }), viem.address);
  }
});

test('localAccount keeps viem for everything else, and refuses a hash that is not 32 bytes', async () => {
  const key = generatePrivateKey();
  const fast = localAccount(key);
  const viem = privateKeyToAccount(key);
  assert.equal(await fast.signMessage({ message: 'bandex' }), await viem.signMessage({ message: 'bandex' }));
  await assert.rejects(fast.sign?.({ hash: '0x1234' }) as Promise<Hex>);
});
