/**
 * The signed audit reports a node holds (from gossip and its own), and what follows from them:
 * every provider's reputation (`foldReputation`, the same numbers on every node holding the same
 * reports) and, for a client, its own observations of its sessions folded in the same way. One
 * report per (auditor, provider, epoch): a second one is a replay or an equivocation and is dropped.
 */
import { EventEmitter } from 'node:events';
import type { Address } from 'viem';
import type { AuditReport, SignedAuditReport } from './auditReport.ts';
import { ALPHA, foldReputation, PRIOR } from './reputation.ts';

/** Reports older than this many epochs behind the newest are forgotten (their weight is below 2^-64). */
const KEEP_EPOCHS = 64;

export class ReputationBook extends EventEmitter<{ report: [signed: SignedAuditReport] }> {
  readonly #reports = new Map<string, SignedAuditReport>();
  /** The client's own observations: provider → its score after each session. */
  readonly #own = new Map<string, number>();
  #cache: Map<string, number> | undefined;
  #newestEpoch = 0;

  /** Adds a verified report; false when one for the same auditor, provider and epoch is held. */
  add(signed: SignedAuditReport): boolean {
    const { report } = signed;
    const key = `${report.epoch}:${report.provider.toLowerCase()}:${report.auditor.toLowerCase()}`;
    if (this.#reports.has(key)) return false;
    this.#reports.set(key, signed);
    this.#newestEpoch = Math.max(this.#newestEpoch, report.epoch);
    for (const [k, r] of this.#reports) if (r.report.epoch < this.#newestEpoch - KEEP_EPOCHS) this.#reports.delete(k);
    this.#cache = undefined;
    this.emit('report', signed);
    return true;
  }

  reports(epoch?: number): AuditReport[] {
    const all = [...this.#reports.values()].map((s) => s.report);
    return epoch === undefined ? all : all.filter((r) => r.epoch === epoch);
  }

  signed(epoch: number): SignedAuditReport[] {
    return [...this.#reports.values()].filter((s) => s.report.epoch === epoch);
  }

  /** A client's own observation of a session with `provider`: 1 served well, 0 stalled or refused. */
  observe(provider: Address, score: number): void {
    const key = provider.toLowerCase();
    this.#own.set(key, (1 - ALPHA) * (this.#own.get(key) ?? PRIOR) + ALPHA * score);
  }

  /** Reputation from the auditors' reports (provider address, lower case → [0, 1]). */
  audited(): Map<string, number> {
    this.#cache ??= foldReputation(this.reports());
    return this.#cache;
  }

  /** What selection uses: the audited reputation, lowered by the node's own bad experience. */
  reputation(): Map<string, number> {
    const merged = new Map(this.audited());
    for (const [provider, own] of this.#own) merged.set(provider, Math.min(merged.get(provider) ?? PRIOR, own));
    return merged;
  }
}
