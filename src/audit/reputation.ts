/**
 * Reputation (pure, deterministic: anyone holding the signed reports gets the same numbers).
 *
 * One auditor's score of a provider for an epoch multiplies four factors in [0, 1]:
 *
 *   delivery   = probesDelivered / probesSent                       (no probes: 1)
 *   uptime     = sessionsServed / sessionsAttempted                 (no sessions: 1)
 *   throughput = 0.2 + 0.8 × min(1, throughputBps / claimedBps)     (nothing measured or claimed: 1)
 *   latency    = 0.5 + 0.5 × clamp((1,000 ms − rtt) / 900 ms, 0, 1)  (full marks up to 100 ms)
 *
 * so a black hole scores 0, a provider serving a tenth of its claim at most 0.28, an honest one near 1.
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

export function reportScore(r: AuditReport): number {
  const delivery = r.probesSent === 0 ? 1 : r.probesDelivered / r.probesSent;
  const uptime = r.sessionsAttempted === 0 ? 1 : r.sessionsServed / r.sessionsAttempted;
  const throughput =
    r.claimedBps === 0 || (r.throughputBps === 0 && r.probesSent === 0)
      ? 1
      : 0.2 + 0.8 * Math.min(1, r.throughputBps / r.claimedBps);
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

/** The epoch score of each provider: the median of its auditors' scores (one report per auditor counts). */
export function epochScores(reports: readonly AuditReport[]): Map<string, number> {
  const byProvider = new Map<string, Map<string, number>>();
  for (const r of reports) {
    const provider = r.provider.toLowerCase();
    const auditors = byProvider.get(provider) ?? new Map<string, number>();
    auditors.set(r.auditor.toLowerCase(), reportScore(r));
    byProvider.set(provider, auditors);
  }
  return new Map([...byProvider].map(([provider, auditors]) => [provider, median([...auditors.values()])]));
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
