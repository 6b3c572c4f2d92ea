/**
 * The end of an auditor's epoch: one signed `AuditReport` per provider it measured, published on the
 * audit topic (which also files it in the auditor's own `ReputationBook`), and the digest of the
 * epoch's reports anchored on chain, so anyone can later check that a set of gossiped reports is what
 * was anchored. Keeps the last report per provider and the counts the auditor's status shows.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { Address, LocalAccount } from 'viem';
import type { Telemetry } from '../api/telemetry.ts';
import { anchorReports } from '../chain/actions/anchorReports.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { CallRevertedError } from '../chain/errors.ts';
import type { SerialWrites } from '../chain/serialWrites.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditGossip } from '../reputation/AuditGossip.ts';
import { type AuditDomain, type AuditReport, evidenceOf, signAuditReport } from '../reputation/auditReport.ts';
import type { Measurement } from './Prober.ts';

/** An anchor the chain finds early (its latest block still in the epoch) is tried again this often, so many times. */
const ANCHOR_RETRY_MS = 2_000;
const ANCHOR_ATTEMPTS = 5;

export type ReportPublisherParameters = {
  client: ChainClient;
  deployment: Deployment;
  account: LocalAccount;
  domain: AuditDomain;
  gossip: AuditGossip;
  /** The account's transactions, one at a time. */
  serialWrites: SerialWrites;
  telemetry: Telemetry;
  logger: Logger;
};

/** The report of one measurement (pure): the median round trip, the rest as measured. */
export function reportOf(auditor: Address, epoch: number, m: Measurement): AuditReport {
  const rtts = [...m.rtts].sort((a, b) => a - b);
  return {
    auditor,
    provider: m.offer.offer.provider,
    epoch,
    probesSent: m.probesSent,
    probesDelivered: m.probesDelivered,
    rttMicros: rtts.length ? Math.round(rtts[rtts.length >> 1] as number) : 0,
    throughputBps: m.throughputBps,
    claimedBps: m.claimedBps,
    sessionsAttempted: m.sessionsAttempted,
    sessionsServed: m.sessionsServed,
    probePayer: m.probePayer,
    probeSession: m.probeSession,
    bytesReceived: m.bytesReceived,
  };
}

export class ReportPublisher {
  readonly #p: ReportPublisherParameters;
  /** This auditor's last report per provider (lower-case address). */
  readonly last = new Map<string, AuditReport>();
  reportsPublished = 0;
  /** Epochs whose report digest this auditor anchored on chain (`ProviderRegistry.anchorReports`). */
  reportsAnchored = 0;

  constructor(params: ReportPublisherParameters) {
    this.#p = params;
  }

  /** Signs and publishes the epoch's reports, then anchors their digest (a failed anchor is logged). */
  async publish(epoch: number, measurements: Measurement[]): Promise<void> {
    const { client, deployment, account, domain, gossip, serialWrites, telemetry, logger } = this.#p;
    const mine: AuditReport[] = [];
    for (const m of measurements) {
      const report = reportOf(account.address, epoch, m);
      await gossip.publishReport(await signAuditReport(account, domain, report));
      this.last.set(report.provider.toLowerCase(), report);
      mine.push(report);
      this.reportsPublished++;
    }
    if (mine.length === 0) return;
    const digest = evidenceOf(domain, mine);
    telemetry.publish('report', { epoch, reports: mine.length, digest });
    logger.info({ epoch, reports: mine.length, digest }, 'reports published');
    // The chain judges "finished" by its latest block's time: until a block of the next epoch exists, the
    // anchor is refused (EpochOutOfWindow for the current epoch). Wait for one, a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await serialWrites(() => anchorReports(client, { deployment, epoch, digest, count: mine.length }));
        this.reportsAnchored++;
        return;
      } catch (error) {
        const early =
          error instanceof CallRevertedError &&
          error.meta.errorName === 'EpochOutOfWindow' &&
          String(error.meta.errorArgs?.[1]) === String(epoch);
        if (!early || attempt >= ANCHOR_ATTEMPTS) {
          logger.warn({ err: error, epoch }, 'anchoring the reports failed');
          return;
        }
        await sleep(ANCHOR_RETRY_MS);
      }
    }
  }
}
