/**
 * When the committee's reports on a provider for an epoch justify a slash (pure): a quorum of distinct
 * auditors each saw a black hole — at least `MIN_PROBES` canaries sent and under half delivered — or,
 * for being offline, each proposed a session and had none served in this epoch and the
 * `OFFLINE_EPOCHS − 1` before it (the registry jails the provider and takes a tenth of a slash), or,
 * for underperformance, the capacity they measured together (the sum of their shares) was under half
 * the claim in this epoch and in the one before ("repeatedly far below the claim"), with a quorum of
 * auditors measuring in both. The contract checks signatures, stake and quorum again; this only
 * decides whether to submit, and which reports are the evidence: the first `quorum` qualifying
 * reports in ascending auditor order, so every auditor holding the same reports picks the same
 * evidence (and signs the same registry `Report`).
 */
import type { AuditReport } from './auditReport.ts';
import { measuredCapacity } from './reputation.ts';

/** Fewer canaries than this prove nothing (a few lost packets are not a black hole). */
export const MIN_PROBES = 5;
export const DELIVERY_FLOOR = 0.5;
export const CAPACITY_FLOOR = 0.5;

/** Consecutive epochs a quorum must find a provider unreachable before it is slashed as offline. */
export const OFFLINE_EPOCHS = 2;

export type SlashFinding = { kind: 1 | 2 | 3; epoch: number; reports: AuditReport[] };

const blackholed = (r: AuditReport) => r.probesSent >= MIN_PROBES && r.probesDelivered / r.probesSent < DELIVERY_FLOOR;
/** Proposed a session and had none served. */
const unreachable = (r: AuditReport) => r.sessionsAttempted > 0 && r.sessionsServed === 0;
/** Took part in the epoch's capacity measurement (reached the provider at all). */
const measured = (r: AuditReport) => r.claimedBps > 0 && r.sessionsServed > 0;
const underperformed = (reports: AuditReport[]) =>
  reports.length > 0 && measuredCapacity(reports) < CAPACITY_FLOOR * (reports[0] as AuditReport).claimedBps;

/** One report per auditor (the first seen), for one provider and epoch, in ascending auditor order. */
function distinct(reports: readonly AuditReport[], provider: string, epoch: number): AuditReport[] {
  const seen = new Map<string, AuditReport>();
  for (const r of reports)
    if (r.provider.toLowerCase() === provider && r.epoch === epoch && !seen.has(r.auditor.toLowerCase()))
      seen.set(r.auditor.toLowerCase(), r);
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

export function findSlash(
  reports: readonly AuditReport[],
  provider: string,
  epoch: number,
  quorum: number,
): SlashFinding | undefined {
  const p = provider.toLowerCase();
  const now = distinct(reports, p, epoch);
  const black = now.filter(blackholed);
  if (black.length >= quorum) return { kind: 1, epoch, reports: black.slice(0, quorum) };
  let offline = now.filter(unreachable);
  for (let back = 1; back < OFFLINE_EPOCHS && offline.length >= quorum; back++) {
    const before = new Set(
      distinct(reports, p, epoch - back)
        .filter(unreachable)
        .map((r) => r.auditor.toLowerCase()),
    );
    offline = offline.filter((r) => before.has(r.auditor.toLowerCase()));
  }
  if (offline.length >= quorum) return { kind: 3, epoch, reports: offline.slice(0, quorum) };
  const previous = distinct(reports, p, epoch - 1).filter(measured);
  const current = now.filter(measured);
  if (!underperformed(current) || !underperformed(previous)) return undefined;
  const before = new Set(previous.map((r) => r.auditor.toLowerCase()));
  const both = current.filter((r) => before.has(r.auditor.toLowerCase()));
  if (both.length >= quorum) return { kind: 2, epoch, reports: both.slice(0, quorum) };
  return undefined;
}
