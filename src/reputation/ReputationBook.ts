/**
 * The signed audit reports a node holds (from gossip and its own), and what follows from them:
 * every provider's reputation (`foldReputation`, the same numbers on every node holding the same
 * reports) and, for a client, its own observations of its sessions: an exponentially weighted average
 * (α = `ALPHA`) of 1 for a session that served and 0 for one that stalled or was refused, which fades
 * back toward the prior with a half-life of `OWN_HALF_LIFE_MS` — a provider that stalled once is
 * avoided for a while, not for good. One report per (auditor, provider, epoch): a second one is a
 * replay or an equivocation and is dropped.
 */
import { EventEmitter } from 'node:events';
import type { Address } from 'viem';
import type { AuditReport, SignedAuditReport } from './auditReport.ts';
import { ALPHA, foldReputation, PRIOR } from './reputation.ts';

/** Reports older than this many epochs behind the newest are forgotten (their weight is below 2^-64). */
const KEEP_EPOCHS = 64;
/** How fast a node's own observation fades toward the prior: a single stall (0.375) is back above the
 * selection threshold after ≈ 0.6 half-lives (6 minutes). */
export const OWN_HALF_LIFE_MS = 10 * 60_000;

export class ReputationBook extends EventEmitter<{ report: [signed: SignedAuditReport] }> {
  readonly #reports = new Map<string, SignedAuditReport>();
  /** The client's own observations: provider → its score after the last session, and when. */
  readonly #own = new Map<string, { score: number; at: number }>();
  readonly #now: () => number;
  #cache: Map<string, number> | undefined;
  #newestEpoch = 0;

  constructor({ now = Date.now }: { now?: () => number } = {}) {
    super();
    this.#now = now;
  }

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
    this.#own.set(key, { score: (1 - ALPHA) * this.#ownScore(key) + ALPHA * score, at: this.#now() });
  }

  /** The node's own score of `provider` now: its last one, faded toward the prior since. */
  #ownScore(key: string): number {
    const own = this.#own.get(key);
    if (!own) return PRIOR;
    return PRIOR + (own.score - PRIOR) * 2 ** (-(this.#now() - own.at) / OWN_HALF_LIFE_MS);
  }

  /** Reputation from the auditors' reports (provider address, lower case → [0, 1]). */
  audited(): Map<string, number> {
    this.#cache ??= foldReputation(this.reports());
    return this.#cache;
  }

  /** What selection uses: the audited reputation, lowered by the node's own bad experience. */
  reputation(): Map<string, number> {
    const merged = new Map(this.audited());
    for (const provider of this.#own.keys())
      merged.set(provider, Math.min(merged.get(provider) ?? PRIOR, this.#ownScore(provider)));
    return merged;
  }
}
