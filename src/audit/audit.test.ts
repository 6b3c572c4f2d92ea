import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Address } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { type AuditReport, evidenceOf, signAuditReport, verifyAuditReport } from '../reputation/auditReport.ts';
import { CommitteeBook } from '../reputation/CommitteeBook.ts';
import { epochScores, foldReputation, PRIOR, reportScore, SELECTION_THRESHOLD } from '../reputation/reputation.ts';
import { findSlash } from '../reputation/slashFinding.ts';

const auditors = [
  privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'),
  privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'),
  privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'),
];
const domain = { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };
const provider = '0x90F79bf6EB2c4f870365E785982E1f101E93b906' as Address;

function report(over: Partial<AuditReport> = {}): AuditReport {
  return {
    auditor: auditors[0]?.address as Address,
    provider,
    epoch: 1,
    probesSent: 20,
    probesDelivered: 20,
    rttMicros: 20_000,
    throughputBps: 10_000_000,
    claimedBps: 10_000_000,
    sessionsAttempted: 2,
    sessionsServed: 2,
    probePayer: '0x000000000000000000000000000000000000bEEF',
    probeSession: `0x${'5e'.repeat(32)}`,
    bytesReceived: 4_096,
    ...over,
  };
}

describe('audit reports', () => {
  it('sign and verify; a changed field or another signer is rejected', async () => {
    const signed = await signAuditReport(auditors[0] as never, domain, report());
    await verifyAuditReport(domain, signed);
    await assert.rejects(
      verifyAuditReport(domain, { ...signed, report: { ...signed.report, probesDelivered: 19 } }),
      (e) => hasErrorCode(e, 'AUDIT_REPORT_BAD_SIGNATURE'),
    );
    await assert.rejects(verifyAuditReport({ ...domain, chainId: 1 }, signed), (e) =>
      hasErrorCode(e, 'AUDIT_REPORT_BAD_SIGNATURE'),
    );
    await assert.rejects(signAuditReport(auditors[1] as never, domain, report()), (e) =>
      hasErrorCode(e, 'AUDIT_REPORT_WRONG_SIGNER'),
    );
    await assert.rejects(signAuditReport(auditors[0] as never, domain, report({ probesDelivered: 21 })), (e) =>
      hasErrorCode(e, 'AUDIT_REPORT_MALFORMED'),
    );
  });

  it('evidence does not depend on report order', () => {
    const a = report();
    const b = report({ auditor: auditors[1]?.address as Address, probesDelivered: 0 });
    assert.equal(evidenceOf(domain, [a, b]), evidenceOf(domain, [b, a]));
    assert.notEqual(evidenceOf(domain, [a, b]), evidenceOf(domain, [a]));
  });
});

describe('reputation', () => {
  it('scores: honest ≈ 1, black hole 0, a tenth of the claim ≤ 0.28', () => {
    assert.ok(reportScore(report()) > 0.99);
    assert.equal(reportScore(report({ probesDelivered: 0, rttMicros: 0 })), 0);
    assert.ok(reportScore(report({ throughputBps: 1_000_000 })) <= 0.28);
    assert.ok(reportScore(report({ sessionsServed: 0 })) === 0);
  });

  it('a black hole falls below the selection threshold within two epochs; honest providers never do', () => {
    let rep = new Map<string, number>();
    for (const epoch of [1, 2]) {
      rep = foldReputation(
        auditors.map((a) => report({ auditor: a.address, epoch, probesDelivered: 0, rttMicros: 0 })),
        rep,
      );
    }
    assert.ok((rep.get(provider.toLowerCase()) as number) < SELECTION_THRESHOLD);
    fc.assert(
      fc.property(
        fc.array(fc.record({ rtt: fc.integer({ min: 1_000, max: 300_000 }), lost: fc.integer({ min: 0, max: 2 }) }), {
          minLength: 1,
          maxLength: 20,
        }),
        (epochs) => {
          let honest = new Map<string, number>();
          for (const [i, e] of epochs.entries()) {
            honest = foldReputation(
              auditors.map((a) =>
                report({ auditor: a.address, epoch: i + 1, rttMicros: e.rtt, probesDelivered: 20 - e.lost }),
              ),
              honest,
            );
          }
          return (honest.get(provider.toLowerCase()) as number) >= SELECTION_THRESHOLD;
        },
      ),
    );
  });

  it('the epoch score is the median: one lying auditor cannot move it', () => {
    const reports = [
      report({ auditor: auditors[0]?.address as Address }),
      report({ auditor: auditors[1]?.address as Address }),
      report({ auditor: auditors[2]?.address as Address, probesDelivered: 0, rttMicros: 0 }),
    ];
    assert.ok((epochScores(reports).get(provider.toLowerCase()) as number) > 0.99);
    assert.equal(foldReputation([]).get(provider.toLowerCase()), undefined);
    assert.ok(PRIOR >= SELECTION_THRESHOLD, 'a new provider is selectable');
  });
});

describe('slash findings', () => {
  const black = (i: number, epoch = 3) =>
    report({ auditor: auditors[i]?.address as Address, epoch, probesDelivered: 1, rttMicros: 0 });
  it('a quorum of black-hole reports is slashable; one short is not; duplicates count once', () => {
    assert.equal(findSlash([black(0), black(1)], provider, 3, 2)?.kind, 1);
    assert.equal(findSlash([black(0), black(0)], provider, 3, 2), undefined);
    assert.equal(
      findSlash([black(0), report({ auditor: auditors[1]?.address as Address, epoch: 3 })], provider, 3, 2),
      undefined,
    );
    assert.equal(
      findSlash([report({ probesSent: 3, probesDelivered: 0, epoch: 3 }), black(1)], provider, 3, 2),
      undefined,
    );
  });
  it('underperformance needs two epochs in a row below half the claim', () => {
    const slow = (i: number, epoch: number) =>
      report({ auditor: auditors[i]?.address as Address, epoch, throughputBps: 1_000_000 });
    assert.equal(findSlash([slow(0, 3), slow(1, 3)], provider, 3, 2), undefined);
    assert.equal(findSlash([slow(0, 2), slow(1, 2), slow(0, 3), slow(1, 3)], provider, 3, 2)?.kind, 2);
  });
  it('offline needs a quorum refused (or unreachable) two epochs in a row, by the same auditors', () => {
    const refused = (i: number, epoch: number) =>
      report({
        auditor: auditors[i]?.address as Address,
        epoch,
        probesSent: 0,
        probesDelivered: 0,
        rttMicros: 0,
        throughputBps: 0,
        sessionsAttempted: 1,
        sessionsServed: 0,
        probeSession: `0x${'00'.repeat(32)}`,
        bytesReceived: 0,
      });
    assert.equal(findSlash([refused(0, 3), refused(1, 3)], provider, 3, 2), undefined, 'one epoch is not enough');
    const offline = findSlash([refused(0, 2), refused(1, 2), refused(0, 3), refused(1, 3)], provider, 3, 2);
    assert.equal(offline?.kind, 3);
    assert.deepEqual(
      offline?.reports.map((r) => r.epoch),
      [3, 3],
      'the evidence is the epoch being slashed',
    );
    assert.equal(
      findSlash([refused(0, 2), refused(2, 2), refused(0, 3), refused(1, 3)], provider, 3, 2),
      undefined,
      'the same auditors both epochs',
    );
  });
});

describe('committees (CommitteeBook)', () => {
  const members = [auditors[0]?.address, auditors[1]?.address] as Address[];
  it('reads a drawn committee once; asks again while the seed is not drawn; forgets a failed read', async () => {
    let drawn = false;
    let reads = 0;
    let fail = false;
    const book = new CommitteeBook(
      async (_provider, epoch) => {
        reads++;
        if (fail) throw new Error('rpc down');
        return drawn ? { members: epoch === 7 ? members : [], quorum: 2 } : undefined;
      },
      async () => 8,
    );
    assert.equal(await book.isMember(members[0] as Address, provider, 7), false, 'no seed: nobody');
    assert.equal(await book.committee(provider, 7), undefined);
    assert.equal(reads, 2, 'an absent committee is not remembered');
    drawn = true;
    assert.equal(await book.isMember(members[0] as Address, provider, 7), true);
    assert.equal(await book.isMember(auditors[2]?.address as Address, provider, 7), false);
    assert.equal(await book.isMember(members[1]?.toLowerCase() as Address, provider.toLowerCase() as Address, 7), true);
    assert.equal(reads, 3, 'a drawn committee is read once');
    fail = true;
    await assert.rejects(book.committee(provider, 8), /rpc down/);
    fail = false;
    assert.deepEqual((await book.committee(provider, 8))?.members, []);
    // Made-up epochs, far behind or ahead of the chain's (8), are refused without a read.
    const before = reads;
    assert.equal(await book.committee(provider, 8 - 65), undefined);
    assert.equal(await book.committee(provider, 10), undefined);
    assert.equal(await book.isMember(members[0] as Address, provider, 1_000_000), false);
    assert.equal(reads, before, 'no chain read for an epoch out of range');
    assert.deepEqual((await book.committee(provider, 9))?.members, [], 'the next epoch is in range');
  });
});
