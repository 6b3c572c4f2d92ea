/**
 * ReputationBook: one report per (auditor, provider, epoch); a node's own observations lower the
 * reputation selection uses and fade back toward the prior; served sessions count for a provider.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privateKeyToAccount } from 'viem/accounts';
import { devAccount } from '../chain/devAccounts.ts';
import type { AuditDomain, AuditReport } from './auditReport.ts';
import { signAuditReport } from './auditReport.ts';
import { OWN_HALF_LIFE_MS, ReputationBook } from './ReputationBook.ts';
import { PRIOR, SELECTION_THRESHOLD } from './reputation.ts';

const domain: AuditDomain = { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' };
const provider = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d').address;
const key = provider.toLowerCase();

function blackHoleReport(auditor: ReturnType<typeof devAccount>, epoch: number): AuditReport {
  return {
    auditor: auditor.address,
    provider,
    epoch,
    probesSent: 8,
    probesDelivered: 0,
    rttMicros: 0,
    throughputBps: 0,
    claimedBps: 16_000_000,
    sessionsAttempted: 1,
    sessionsServed: 1,
    probePayer: '0x000000000000000000000000000000000000bEEF',
    probeSession: `0x${'5e'.repeat(32)}`,
    bytesReceived: 4_096,
  };
}

describe('ReputationBook', () => {
  it('keeps one report per auditor, provider and epoch: a replay is dropped', async () => {
    const book = new ReputationBook();
    const auditor = devAccount(5);
    const signed = await signAuditReport(auditor, domain, blackHoleReport(auditor, 7));
    let heard = 0;
    book.on('report', () => heard++);
    assert.equal(book.add(signed), true);
    assert.equal(book.add(signed), false);
    assert.equal(heard, 1);
    assert.equal(book.reports(7).length, 1);
    assert.ok((book.audited().get(key) as number) < PRIOR, 'a black-hole report lowers the reputation');
  });

  it('a stall puts a provider below the threshold; the mark fades back above it over time', () => {
    let now = 0;
    const book = new ReputationBook({ now: () => now });
    assert.equal(book.reputation().get(key), undefined, 'nothing known: the caller uses the prior');
    book.observe(provider, 0);
    const marked = book.reputation().get(key) as number;
    assert.equal(marked, PRIOR / 2);
    assert.ok(marked < SELECTION_THRESHOLD);
    now = 0.5 * OWN_HALF_LIFE_MS;
    assert.ok((book.reputation().get(key) as number) < SELECTION_THRESHOLD, 'still avoided half a half-life on');
    now = OWN_HALF_LIFE_MS;
    const faded = book.reputation().get(key) as number;
    assert.ok(Math.abs(faded - (PRIOR - PRIOR / 4)) < 1e-9, `halfway back to the prior (${faded})`);
    assert.ok(faded >= SELECTION_THRESHOLD, 'selectable again after a half-life');
  });

  it('served sessions raise the own score; the audited reputation still caps it', async () => {
    const book = new ReputationBook({ now: () => 0 });
    book.observe(provider, 0);
    book.observe(provider, 1);
    book.observe(provider, 1);
    assert.ok((book.reputation().get(key) as number) > PRIOR / 2, 'recovered by serving');
    const auditor = devAccount(5);
    book.add(await signAuditReport(auditor, domain, blackHoleReport(auditor, 1)));
    assert.equal(book.reputation().get(key), book.audited().get(key), 'the lower of the two counts');
  });
});
