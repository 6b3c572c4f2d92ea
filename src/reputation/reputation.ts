/**
 * Reputation (pure, deterministic: anyone holding the signed reports gets the same numbers).
 *
 * One auditor's score of a provider for an epoch multiplies four factors in [0, 1]:
 *
 *   delivery   = probesDelivered / probesSent                       (no probes: 1)
 *   uptime     = sessionsServed / sessionsAttempted                 (no sessions: 1)
 *   throughput = 0.2 + 0.8 × min(1, capacity / claimedBps)          (nothing measured or claimed: 1)
 *   latency    = 0.5 + 0.5 × clamp((1,000 ms − rtt) / 900 ms, 0, 1)  (full marks up to 100 ms)
 *
 * where `capacity` is the provider's measured capacity in that epoch: the SUM of the throughput shares
 * of all auditors' reports (they measure together, FlashFlow-style, each pushing a share of the load).
 * So a black hole scores 0, a provider serving a tenth of its claim at most 0.28, an honest one near 1.
 * The epoch's score is the median over auditors (a lying minority cannot move it), and reputation is
 * an exponentially weighted average over epochs: `r ← (1 − α) r + α × epochScore`, α = 0.5 (an epoch's
 * weight halves each epoch), starting from `PRIOR` for a provider nobody has measured. Epochs without
 * reports leave reputation unchanged.
 */
import type { AuditReport } from './auditReport.ts';

export const PRIOR = 0.75;
export const ALPHA = 0.5;
/** Below this, clients do not select a provider. */
export const SELECTION_THRESHOLD = 0.5;

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** One report's score; `capacityBps` is the epoch's measured capacity (default: this report's share alone). */
export function reportScore(r: AuditReport, capacityBps: number = r.throughputBps): number {
  const delivery = r.probesSent === 0 ? 1 : r.probesDelivered / r.probesSent;
  const uptime = r.sessionsAttempted === 0 ? 1 : r.sessionsServed / r.sessionsAttempted;
  const throughput =
    r.claimedBps === 0 || (capacityBps === 0 && r.probesSent === 0)
      ? 1
      : 0.2 + 0.8 * Math.min(1, capacityBps / r.claimedBps);
  const rttMs = r.rttMicros / 1000;
  const latency = r.probesDelivered === 0 ? 0.5 : 0.5 + 0.5 * clamp01((1000 - rttMs) / 900);
  return delivery * uptime * throughput * latency;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** One report per auditor (the first seen) for each provider, of one epoch's reports. */
function byProvider(reports: readonly AuditReport[]): Map<string, AuditReport[]> {
  const grouped = new Map<string, Map<string, AuditReport>>();
  for (const r of reports) {
    const provider = r.provider.toLowerCase();
    const auditors = grouped.get(provider) ?? new Map<string, AuditReport>();
    if (!auditors.has(r.auditor.toLowerCase())) auditors.set(r.auditor.toLowerCase(), r);
    grouped.set(provider, auditors);
  }
  return new Map([...grouped].map(([provider, auditors]) => [provider, [...auditors.values()]]));
}

/** A provider's measured capacity in an epoch: the sum of its auditors' concurrent shares. */
export function measuredCapacity(reports: readonly AuditReport[]): number {
  return reports.reduce((sum, r) => sum + r.throughputBps, 0);
}

/** The epoch score of each provider: the median of its auditors' scores (one report per auditor counts). */
export function epochScores(reports: readonly AuditReport[]): Map<string, number> {
  const scores = new Map<string, number>();
  for (const [provider, own] of byProvider(reports)) {
    const capacity = measuredCapacity(own);
    scores.set(provider, median(own.map((r) => reportScore(r, capacity))));
  }
  return scores;
}

/**
 * Reputation of every provider after folding in `reports` (any order; grouped by epoch, oldest first),
 * starting from `previous` (provider → reputation, lower-case addresses).
 */
export function foldReputation(
  reports: readonly AuditReport[],
  previous: ReadonlyMap<string, number> = new Map(),
): Map<string, number> {
  const reputation = new Map(previous);
  const epochs = [...new Set(reports.map((r) => r.epoch))].sort((a, b) => a - b);
  for (const epoch of epochs) {
    for (const [provider, score] of epochScores(reports.filter((r) => r.epoch === epoch))) {
      const before = reputation.get(provider) ?? PRIOR;
      reputation.set(provider, (1 - ALPHA) * before + ALPHA * score);
    }
  }
  return reputation;
}
