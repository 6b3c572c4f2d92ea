/**
 * From slashable findings to a slash on chain. After an epoch, `judge` looks, for each provider whose
 * committee this auditor sits on, for what the committee's reports convict (`findSlash`, with the
 * committee's quorum) and, when this auditor's own report is part of the evidence, signs the registry's
 * `Report` and hands the signature to the audit topic. Every member's signature — its own and those heard
 * (`record`) — is kept per slash report; once a quorum has signed, the lowest signer address proposes at
 * once and each next one `SUBMIT_STAGGER_MS` later per rank, in case the ones before it did not (a second
 * proposal reverts with `ReportAlreadyUsed`, which is logged, not an error). The proposer finalizes the
 * slash when the dispute window has passed; every other signer tries too, later by its rank, with the
 * signers the `SlashProposed` event names (a proposer that crashed must not leave the slash pending and
 * the provider's withdrawal blocked); a slash the provider disputed, or one already finalized, is logged
 * (`SlashNotPending`), not an error.
 */
import type { Address, Hex, LocalAccount } from 'viem';
import type { Telemetry } from '../api/telemetry.ts';
import { readSlashProposal } from '../chain/actions/readSlashProposal.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { SerialWrites } from '../chain/serialWrites.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditDomain, AuditReport } from '../reputation/auditReport.ts';
import type { CommitteeBook } from '../reputation/CommitteeBook.ts';
import { findSlash } from '../reputation/slashFinding.ts';
import { type SlashReport, signSlashReport } from '../reputation/slashReport.ts';
import { finishSlash, slashIdOf, slashReportOf, submitSlash } from './submitSlash.ts';

/** How long each auditor waits per rank before submitting a slash others may have submitted. */
const SUBMIT_STAGGER_MS = 3_000;
/** Signatures kept this many epochs back (the registry takes slashes of the last 3 finished epochs). */
const KEEP_EPOCHS = 4;
/** Finalize this long after the dispute window ends (the next block's timestamp must have passed it). */
const FINALIZE_MARGIN_MS = 2_000;

export type SlashCollectorParameters = {
  client: ChainClient;
  account: LocalAccount;
  domain: AuditDomain;
  committees: CommitteeBook;
  /** The registry's `disputeWindow`, in ms. */
  disputeWindowMs: number;
  /** The account's transactions, one at a time. */
  serialWrites: SerialWrites;
  telemetry: Telemetry;
  logger: Logger;
};

const slashKey = (s: SlashReport) => `${s.provider.toLowerCase()}:${s.epoch}:${s.kind}:${s.evidence}`;

type Entry = { slash: SlashReport; bySigner: Map<string, Hex>; quorum?: number };

export class SlashCollector {
  readonly #p: SlashCollectorParameters;
  /** Slash signatures heard, by slash report. */
  readonly #signatures = new Map<string, Entry>();
  readonly #submitting = new Set<string>();
  readonly #timers = new Set<NodeJS.Timeout>();
  slashesSubmitted = 0;
  slashesFinalized = 0;

  constructor(params: SlashCollectorParameters) {
    this.#p = params;
  }

  /**
   * Signs the slash of every provider `epoch`'s committee reports convict, if this auditor sits on the
   * committee and its report is evidence, and passes each signature to `publish` (the audit topic).
   */
  async judge(
    epoch: number,
    reports: readonly AuditReport[],
    publish: (slash: SlashReport, signature: Hex) => Promise<void>,
  ): Promise<void> {
    const { account, domain, committees, logger } = this.#p;
    const self = account.address.toLowerCase();
    const providers = new Set(reports.filter((r) => r.epoch === epoch).map((r) => r.provider));
    for (const provider of providers) {
      const committee = await committees.committee(provider, epoch);
      if (!committee) continue;
      const members = new Set(committee.members.map((m) => m.toLowerCase()));
      if (!members.has(self)) continue;
      const heard = reports.filter((r) => members.has(r.auditor.toLowerCase()));
      const finding = findSlash(heard, provider, epoch, committee.quorum);
      if (!finding) continue;
      if (!finding.reports.some((r) => r.auditor.toLowerCase() === self)) continue;
      const slash = slashReportOf(domain, provider, finding);
      const signature = await signSlashReport(account, domain, slash);
      logger.info({ provider, epoch, kind: slash.kind, quorum: committee.quorum }, 'slashable failure found; signing');
      this.#entry(slash).quorum = committee.quorum;
      this.record(slash, account.address, signature);
      await publish(slash, signature);
    }
  }

  /** Keeps a committee member's signature over `slash` (its own or one heard) and proposes once there are enough. */
  record(slash: SlashReport, signer: Address, signature: Hex): void {
    this.#entry(slash).bySigner.set(signer.toLowerCase(), signature);
    void this.#trySubmit(slashKey(slash));
  }

  /** Cancels the finalizations still waiting. */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #entry(slash: SlashReport): Entry {
    const key = slashKey(slash);
    let entry = this.#signatures.get(key);
    if (!entry) {
      entry = { slash, bySigner: new Map() };
      this.#signatures.set(key, entry);
      // A slash can be proposed for the last few epochs only: older signatures are of no use.
      for (const [k, e] of this.#signatures)
        if (e.slash.epoch < slash.epoch - KEEP_EPOCHS) {
          this.#signatures.delete(k);
          this.#submitting.delete(k);
        }
    }
    return entry;
  }

  /** With a quorum of signatures, the lowest-addressed signer proposes first, the others later if needed. */
  async #trySubmit(key: string): Promise<void> {
    const { client, account, domain, serialWrites, telemetry, logger } = this.#p;
    const self = account.address.toLowerCase();
    const entry = this.#signatures.get(key);
    if (!entry || entry.quorum === undefined || this.#submitting.has(key) || !entry.bySigner.has(self)) return;
    if (entry.bySigner.size < entry.quorum) return;
    this.#submitting.add(key);
    const rank = [...entry.bySigner.keys()].sort().indexOf(self);
    await new Promise((resolve) => setTimeout(resolve, rank * SUBMIT_STAGGER_MS));
    const { provider, epoch, kind } = entry.slash;
    try {
      const proposed = await serialWrites(() => submitSlash(client, domain, entry.slash, [...entry.bySigner.values()]));
      this.slashesSubmitted++;
      telemetry.publish('slash', { provider, epoch, kind, stage: 'proposed' });
      logger.info({ provider, epoch, kind, signers: proposed.signers.length }, 'slash proposed');
      this.#finalizeLater(proposed, this.#p.disputeWindowMs + FINALIZE_MARGIN_MS);
    } catch (error) {
      const text = String((error as Error).message);
      if (/ReportAlreadyUsed/.test(text)) {
        logger.info({ provider, epoch }, 'slash already proposed');
        await this.#finalizeOthers(slashIdOf(provider, epoch), rank);
      } else logger.warn({ err: error }, 'slash proposal failed');
    }
  }

  /** Finalizes, as a fallback, a slash another member proposed: after its window plus `rank` staggers. */
  async #finalizeOthers(id: Hex, rank: number): Promise<void> {
    const { client, domain, logger } = this.#p;
    try {
      const proposal = await readSlashProposal(client, { registry: domain.registry, id });
      if (!proposal) return;
      const delayMs = proposal.readyAt * 1_000 - Date.now() + FINALIZE_MARGIN_MS + rank * SUBMIT_STAGGER_MS;
      this.#finalizeLater({ id, signers: proposal.signers }, Math.max(0, delayMs));
    } catch (error) {
      logger.warn({ err: error, id }, 'reading the slash proposal failed');
    }
  }

  #finalizeLater(slash: { id: Hex; signers: Address[] }, delayMs: number, retry = true): void {
    const { client, domain, serialWrites, telemetry, logger } = this.#p;
    const timer = setTimeout(async () => {
      this.#timers.delete(timer);
      try {
        await serialWrites(() => finishSlash(client, domain, slash));
        this.slashesFinalized++;
        telemetry.publish('slash', { id: slash.id, stage: 'finalized' });
        logger.info({ id: slash.id }, 'slash finalized');
      } catch (error) {
        const text = String((error as Error).message);
        if (/DisputeWindowOpen/.test(text) && retry) this.#finalizeLater(slash, FINALIZE_MARGIN_MS, false);
        else if (/SlashNotPending/.test(text)) logger.info({ id: slash.id }, 'slash disputed or already finalized');
        else logger.warn({ err: error, id: slash.id }, 'finalizing the slash failed');
      }
    }, delayMs);
    this.#timers.add(timer);
  }
}
