/**
 * What a client pays to open a session on a channel the provider says owes something: the claim the
 * provider shows is checked (this payer's signature, the hash chain) and paid in full; the unprovable
 * served bytes at most one credit window beyond what is proven.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Hex, parseUnits } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TICK_BYTES } from '../accounting/constants.ts';
import { sha256 } from '../accounting/hashChain.ts';
import { tickValueFor } from '../accounting/price.ts';
import { signVoucher } from '../accounting/voucher.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { openingAmount } from './openingAmount.ts';

const payer = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const stranger = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const domain = { chainId: 31337, channels: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const };
const channelId = `0x${'11'.repeat(32)}` as Hex;
const tickValue = tickValueFor(parseUnits('100', 18));
const CREDIT = 4 * 1024 * 1024;
const base = {
  domain,
  channelId,
  payer: payer.address,
  deposit: parseUnits('100', 18),
  tickValue,
  creditBytes: CREDIT,
};

/** A claim of `amount` plus `ticks` ticks on a real hash chain, signed by `signer`. */
async function claimOf(amount: bigint, ticks: number, signer = payer) {
  let x: Buffer = Buffer.alloc(32, 3);
  const preimage = `0x${x.toString('hex')}` as Hex;
  for (let i = 0; i < ticks; i++) x = sha256(x);
  const tickAnchor = `0x${x.toString('hex')}` as Hex;
  const { signature } = await signVoucher(signer, domain, { channelId, amount, tickAnchor, tickValue });
  return { amount, tickAnchor, tickValue, signature, preimage, ticks };
}

describe('openingAmount', () => {
  it('a fresh channel opens at what this client promised', () => {
    assert.equal(openingAmount({ ...base, promised: 0n, debt: { servedBytes: 0, claim: null } }), 0n);
    assert.equal(
      openingAmount({ ...base, promised: 7n * tickValue, debt: { servedBytes: 0, claim: null } }),
      7n * tickValue,
    );
  });

  it('a provable claim above the client’s own record is paid in full (a crash lost the record)', async () => {
    const claim = await claimOf(10n * tickValue, 5);
    assert.equal(
      openingAmount({ ...base, promised: 2n * tickValue, debt: { servedBytes: 0, claim } }),
      15n * tickValue,
    );
  });

  it('served bytes beyond what is proven: paid up to one credit window', () => {
    const served = 3 * TICK_BYTES + CREDIT; // one window and 3 ticks beyond 0
    assert.throws(
      () => openingAmount({ ...base, promised: 0n, debt: { servedBytes: served, claim: null } }),
      (e) => hasErrorCode(e, 'CLIENT_PROVIDER_OVERCLAIM'),
    );
    const within = 3 * TICK_BYTES + CREDIT;
    assert.equal(
      openingAmount({ ...base, promised: 3n * tickValue, debt: { servedBytes: within, claim: null } }),
      BigInt(Math.ceil(within / TICK_BYTES)) * tickValue,
    );
  });

  it('a claim signed by someone else, or whose preimage does not hash to its anchor, is a lie', async () => {
    const forged = await claimOf(10n * tickValue, 5, stranger);
    assert.throws(
      () => openingAmount({ ...base, promised: 0n, debt: { servedBytes: 0, claim: forged } }),
      (e) => hasErrorCode(e, 'CLIENT_PROVIDER_OVERCLAIM'),
    );
    const claim = await claimOf(10n * tickValue, 5);
    assert.throws(
      () => openingAmount({ ...base, promised: 0n, debt: { servedBytes: 0, claim: { ...claim, ticks: 6 } } }),
      (e) => hasErrorCode(e, 'CLIENT_PROVIDER_OVERCLAIM'),
    );
  });

  it('never above the deposit', async () => {
    const claim = await claimOf(base.deposit - tickValue, 5);
    assert.equal(openingAmount({ ...base, promised: 0n, debt: { servedBytes: 0, claim } }), base.deposit);
  });
});
