/** Where sessions are refused (pure): each check in the order `docs/protocol.md` lists, with its code. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUnits } from 'viem';
import { testProposal } from '../../test/support/netFixtures.ts';
import { tickValueFor } from '../accounting/price.ts';
import { checkChannel, checkProposal } from './admitSession.ts';
import { MAX_SESSIONS_PER_PAYER } from './limits.ts';

const now = 1_800_000_000;
const provider: `0x${string}` = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const price = 10n ** 15n;
const proposal = testProposal({ expiry: now + 60, priceWeiPerGiB: price, tickValue: tickValueFor(price) });
const facts = { proposal, signer: proposal.payer, nowSeconds: now, nonceSeen: false, maxCreditBytes: 8 << 20 };
const channel = {
  payer: proposal.payer,
  payee: provider,
  deposit: parseUnits('10', 18),
  redeemed: 0n,
  closesAt: 0n,
  premiumBps: 0n,
  refundTo: proposal.payer,
};
const channelFacts = {
  proposal,
  channel,
  provider,
  priceWeiPerGiB: price,
  knownClosing: false,
  payerSessions: 0,
  totalSessions: 0,
};

describe('admitSession', () => {
  it('admits a fresh, signed proposal for an open channel that pays this provider at its price', () => {
    assert.equal(checkProposal(facts), undefined);
    assert.deepEqual(checkChannel(channelFacts), { ok: true, priceWeiPerGiB: price, premiumBps: 0 });
  });

  it('refuses what is expired, unsigned, replayed or out of range, before the chain is asked', () => {
    const code = (f: Partial<typeof facts>) => checkProposal({ ...facts, ...f })?.code;
    assert.equal(code({ nowSeconds: now + 60 }), 'PROPOSAL_EXPIRED');
    assert.equal(code({ proposal: { ...proposal, expiry: now + 3_600 } }), 'PROPOSAL_EXPIRED');
    assert.equal(code({ signer: undefined }), 'PROPOSAL_BAD_SIGNATURE');
    assert.equal(code({ signer: provider }), 'PROPOSAL_BAD_SIGNATURE');
    assert.equal(code({ nonceSeen: true }), 'PROPOSAL_REPLAYED');
    assert.equal(code({ proposal: { ...proposal, creditBytes: 1 } }), 'CREDIT_OUT_OF_RANGE');
  });

  it('refuses channels that are not this payer’s to this provider, closing, mispriced or empty', () => {
    const code = (c: Partial<typeof channel>, f: Partial<typeof channelFacts> = {}) => {
      const r = checkChannel({ ...channelFacts, ...f, channel: { ...channel, ...c } });
      return r.ok ? 'ok' : r.code;
    };
    assert.equal(code({ deposit: 0n }), 'UNKNOWN_CHANNEL');
    assert.equal(code({ payee: proposal.payer }), 'WRONG_PAYEE');
    assert.equal(code({ payer: provider }), 'WRONG_PAYER');
    assert.equal(code({ closesAt: 1n }), 'CHANNEL_CLOSING');
    assert.equal(code({}, { knownClosing: true }), 'CHANNEL_CLOSING');
    assert.equal(code({ premiumBps: 1_000n }), 'WRONG_PRICE');
    assert.equal(code({ redeemed: parseUnits('10', 18) }), 'CHANNEL_EXHAUSTED');
    assert.equal(code({}, { payerSessions: MAX_SESSIONS_PER_PAYER }), 'PAYER_SESSION_LIMIT');
  });
});
