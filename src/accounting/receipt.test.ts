import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { isEquivocation, isReceiptSignedBy, type Receipt, sessionIdOf, signReceipt } from './receipt.ts';

const provider = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const domain = { chainId: 31337, registry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as const };
const channelId = `0x${'22'.repeat(32)}` as Hex;
const receipt: Receipt = {
  sessionId: sessionIdOf(channelId, `0x${'01'.repeat(32)}`),
  channelId,
  bytesUp: 1_000n,
  bytesDown: 5_000_000n,
  amount: 305_175_781_250_000n,
  startTime: 1_800_000_000n,
  endTime: 1_800_000_060n,
};

test('session ids differ per nonce and receipts verify for their signer and domain only', async () => {
  assert.notEqual(receipt.sessionId, sessionIdOf(channelId, `0x${'02'.repeat(32)}`));
  const signature = await signReceipt(provider, domain, receipt);
  assert.equal(await isReceiptSignedBy(domain, receipt, signature, provider.address), true);
  assert.equal(await isReceiptSignedBy({ ...domain, chainId: 1 }, receipt, signature, provider.address), false);
  assert.equal(await isReceiptSignedBy(domain, { ...receipt, amount: 1n }, signature, provider.address), false);
  assert.equal(await isReceiptSignedBy(domain, receipt, '0xdead', provider.address), false);
});

test('equivocation: same session, any difference; not for identical receipts or other sessions', () => {
  assert.equal(isEquivocation(domain, receipt, { ...receipt, bytesDown: receipt.bytesDown + 1n }), true);
  assert.equal(isEquivocation(domain, receipt, { ...receipt }), false);
  assert.equal(isEquivocation(domain, receipt, { ...receipt, sessionId: `0x${'33'.repeat(32)}`, amount: 2n }), false);
});
