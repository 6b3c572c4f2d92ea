/**
 * From slashable findings to a slash on chain. After an epoch, `judge` looks for providers the
 * reports convict (`findSlash`) and, when this auditor's own report is part of the evidence, signs the
 * registry's `Report` and hands the signature to the audit topic. Every quorum member's signature — its
 * own and those heard (`record`) — is kept per slash report; once a quorum has signed, the lowest
 * signer address submits at once and each next one `SUBMIT_STAGGER_MS` later per rank, in case the
 * ones before it did not (a second submission reverts with `ReportAlreadyUsed`, which is logged, not
 * an error).
 */
import type { Address, Hex, LocalAccount } from 'viem';
import type { Telemetry } from '../api/telemetry.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { SerialWrites } from '../chain/serialWrites.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditDomain, AuditReport } from '../reputation/auditReport.ts';
import { type SlashReport, signSlashReport } from '../reputation/slashReport.ts';
import { findSlash } from './slashFinding.ts';
import { slashReportOf, submitSlash } from './submitSlash.ts';

/** How long each auditor waits per rank before submitting a slash others may have submitted. */
const SUBMIT_STAGGER_MS = 3_000;

export type SlashCollectorParameters = {
  client: ChainClient;
  account: LocalAccount;
  domain: AuditDomain;
  /** The registry's `auditorQuorum`: signatures a slash needs. */
  quorum: number;
  /** The account's transactions, one at a time. */
  serialWrites: SerialWrites;
  telemetry: Telemetry;
  logger: Logger;
};

const slashKey = (s: SlashReport) => `${s.provider.toLowerCase()}:${s.epoch}:${s.kind}:${s.evidence}`;

export class SlashCollector {
  readonly #p: SlashCollectorParameters;
  /** Slash signatures heard, by slash report. */
  readonly #signatures = new Map<string, { slash: SlashReport; bySigner: Map<string, Hex> }>();
  readonly #submitting = new Set<string>();
  slashesSubmitted = 0;

  constructor(params: SlashCollectorParameters) {
    this.#p = params;
  }

  /**
   * Signs the slash of every provider `epoch`'s reports convict, if this auditor's report is evidence,
   * and passes each signature to `publish` (the audit topic).
   */
  async judge(
    epoch: number,
    reports: readonly AuditReport[],
    publish: (slash: SlashReport, signature: Hex) => Promise<void>,
  ): Promise<void> {
    const { account, domain, quorum, logger } = this.#p;
    const address = account.address;
    const providers = new Set(reports.filter((r) => r.epoch === epoch).map((r) => r.provider));
    for (const provider of providers) {
      const finding = findSlash(reports, provider, epoch, quorum);
      if (!finding) continue;
      if (!finding.reports.some((r) => r.auditor.toLowerCase() === address.toLowerCase())) continue;
      const slash = slashReportOf(domain, provider, finding);
      const signature = await signSlashReport(account, domain, slash);
      logger.info({ provider, epoch, kind: slash.kind }, 'slashable failure found; signing');
      this.record(slash, address, signature);
      await publish(slash, signature);
    }
  }

  /** Keeps a quorum member's signature over `slash` (its own or one heard) and submits once there are enough. */
  record(slash: SlashReport, signer: Address, signature: Hex): void {
    const key = slashKey(slash);
    const entry = this.#signatures.get(key) ?? { slash, bySigner: new Map() };
    entry.bySigner.set(signer.toLowerCase(), signature);
    this.#signatures.set(key, entry);
    void this.#trySubmit(key);
  }

  /** With a quorum of signatures, the lowest-addressed signer submits first, the others later if needed. */
  async #trySubmit(key: string): Promise<void> {
    const { client, account, domain, quorum, serialWrites, telemetry, logger } = this.#p;
    const self = account.address.toLowerCase();
    const entry = this.#signatures.get(key);
    if (!entry || this.#submitting.has(key) || !entry.bySigner.has(self)) return;
    if (entry.bySigner.size < quorum) return;
    this.#submitting.add(key);
    const rank = [...entry.bySigner.keys()].sort().indexOf(self);
    await new Promise((resolve) => setTimeout(resolve, rank * SUBMIT_STAGGER_MS));
    const signatures = [...entry.bySigner.values()];
    const { provider, epoch, kind } = entry.slash;
    try {
      await serialWrites(() => submitSlash(client, domain, entry.slash, signatures));
      this.slashesSubmitted++;
      telemetry.publish('slash', { provider, epoch, kind });
      logger.info({ provider, epoch, kind }, 'slash submitted');
    } catch (error) {
      const text = String((error as Error).message);
      if (/ReportAlreadyUsed/.test(text)) logger.info({ provider }, 'slash already submitted');
      else logger.warn({ err: error }, 'slash submission failed');
    }
  }
}
