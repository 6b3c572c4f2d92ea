import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { hasErrorCode } from '../errors/BaseError.ts';
import {
  NO_TICKS,
  recoverVoucherSigner,
  type SignedVoucher,
  signVoucher,
  type VerifyVoucherParameters,
  verifyVoucher,
  verifyVoucherSync,
} from './voucher.ts';

const payer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const other = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const domain = { chainId: 31337, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
const channelId = `0x${'ab'.repeat(32)}` as Hex;

async function check(overrides: Partial<VerifyVoucherParameters> & { amount?: bigint }, code?: string) {
  const signed = await signVoucher(payer, domain, {
    channelId,
    amount: overrides.amount ?? 100n,
    tickAnchor: NO_TICKS,
    tickValue: 1n,
  });
  const run = verifyVoucher({
    signed,
    domain,
    channelId,
    payer: payer.address,
    deposit: 1_000n,
    previousAmount: 0n,
    ...overrides,
  });
  if (code) await assert.rejects(run, (e) => hasErrorCode(e, code));
  else await run;
}

test('a voucher verifies for its channel, chain and contract', async () => {
  await check({});
});

test('replays on another chain or contract, another channel, or from another signer are rejected', async () => {
  await check({ domain: { ...domain, chainId: 1 } }, 'VOUCHER_BAD_SIGNATURE');
  await check(
    { domain: { ...domain, channels: '0x0000000000000000000000000000000000000001' } },
    'VOUCHER_BAD_SIGNATURE',
  );
  await check({ channelId: `0x${'cd'.repeat(32)}` }, 'VOUCHER_WRONG_CHANNEL');
  await check({ payer: other.address }, 'VOUCHER_BAD_SIGNATURE');
});

test('decreasing and over-deposit amounts are rejected', async () => {
  await check({ previousAmount: 101n }, 'VOUCHER_DECREASING');
  await check({ amount: 1_001n }, 'VOUCHER_OVER_DEPOSIT');
});

test('a malformed signature is a typed error, not a crash', async () => {
  const signed = await signVoucher(payer, domain, { channelId, amount: 1n, tickAnchor: NO_TICKS, tickValue: 1n });
  await assert.rejects(
    verifyVoucher({
      signed: { ...signed, signature: '0x1234' },
      domain,
      channelId,
      payer: payer.address,
      deposit: 10n,
      previousAmount: 0n,
    }),
    (e) => hasErrorCode(e, 'VOUCHER_BAD_SIGNATURE'),
  );
});

test('the voucher digest is the EIP-712 hash viem computes', async () => {
  const { hashTypedData } = await import('viem');
  const { channelsDomain, voucherTypes } = await import('../chain/typedData.ts');
  const { voucherDigest } = await import('./voucherDigest.ts');
  const message = { channelId, amount: 2n ** 255n + 3n, tickAnchor: `0x${'cd'.repeat(32)}` as Hex, tickValue: 61n };
  assert.equal(
    Buffer.from(voucherDigest(domain, message)).toString('hex'),
    hashTypedData({
      domain: channelsDomain(domain.chainId, domain.channels),
      types: voucherTypes,
      primaryType: 'Voucher',
      message,
    }).slice(2),
  );
});

test("only the payer's canonical signature over exactly this voucher and domain verifies", async () => {
  const params = (signed: SignedVoucher) => ({
    signed,
    domain,
    channelId,
    payer: payer.address,
    deposit: 10n ** 6n,
    previousAmount: 0n,
  });
  const sign = (account: typeof payer, amount: bigint) =>
    signVoucher(account, domain, { channelId, amount, tickAnchor: NO_TICKS, tickValue: 1n });
  await assert.rejects(verifyVoucher(params(await sign(other, 1n))), (e) => hasErrorCode(e, 'VOUCHER_BAD_SIGNATURE'));
  for (let amount = 1n; amount <= 20n; amount++) {
    const good = await sign(payer, amount);
    verifyVoucherSync(params(good));
    const v = Number.parseInt(good.signature.slice(130), 16);
    const s = BigInt(`0x${good.signature.slice(66, 130)}`);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const flipped = `${good.signature.slice(0, 130)}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    const highS =
      `${good.signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
    // Small r: some are no point's x coordinate (recovery fails), the others recover someone else.
    const smallR = [1n, 2n, 3n, 4n, 5n].map(
      (r) => `0x${r.toString(16).padStart(64, '0')}${good.signature.slice(66)}` as Hex,
    );
    for (const signature of [flipped, highS, `${good.signature.slice(0, 130)}01` as Hex, ...smallR])
      assert.throws(
        () => verifyVoucherSync(params({ ...good, signature })),
        (e) => hasErrorCode(e, 'VOUCHER_BAD_SIGNATURE'),
        signature,
      );
    assert.throws(
      () => verifyVoucherSync(params({ ...good, voucher: { ...good.voucher, amount: amount + 1n } })),
      (e) => hasErrorCode(e, 'VOUCHER_BAD_SIGNATURE'),
    );
    assert.throws(
      () => verifyVoucherSync({ ...params(good), domain: { ...domain, chainId: 1 } }),
      (e) => hasErrorCode(e, 'VOUCHER_BAD_SIGNATURE'),
    );
    assert.equal(recoverVoucherSigner(domain, good.voucher, good.signature), payer.address);
    assert.equal(recoverVoucherSigner(domain, good.voucher, flipped) === payer.address, false);
  }
  await assert.rejects(verifyVoucher(params(await sign(other, 30n))), (e) => hasErrorCode(e, 'VOUCHER_BAD_SIGNATURE'));
});
