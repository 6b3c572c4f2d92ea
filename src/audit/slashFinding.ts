/**
 * When the auditors' reports on a provider for an epoch justify a slash (pure): a quorum of distinct
 * auditors each saw a black hole — at least `MIN_PROBES` canaries sent and under half delivered — or,
 * for underperformance, measured under half the claimed capacity in this epoch and the one before
 * ("repeatedly far below the claim"). The contract checks signatures, stake and quorum again; this only
 * decides whether to submit, and which reports are the evidence.
 */
import type { AuditReport } from './auditReport.ts';

/** Fewer canaries than this prove nothing (a few lost packets are not a black hole). */
export const MIN_PROBES = 5;
export const DELIVERY_FLOOR = 0.5;
export const CAPACITY_FLOOR = 0.5;

export type SlashFinding = { kind: 1 | 2; epoch: number; reports: AuditReport[] };

const blackholed = (r: AuditReport) => r.probesSent >= MIN_PROBES && r.probesDelivered / r.probesSent < DELIVERY_FLOOR;
const underperformed = (r: AuditReport) => r.claimedBps > 0 && r.throughputBps < CAPACITY_FLOOR * r.claimedBps;

/** One report per auditor (the first seen), for one provider and epoch. */
function distinct(reports: readonly AuditReport[], provider: string, epoch: number): AuditReport[] {
  const seen = new Map<string, AuditReport>();
  for (const r of reports)
    if (r.provider.toLowerCase() === provider && r.epoch === epoch && !seen.has(r.auditor.toLowerCase()))
      seen.set(r.auditor.toLowerCase(), r);
  return [...seen.values()];
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
  const before = new Set(
    distinct(reports, p, epoch - 1)
      .filter(underperformed)
      .map((r) => r.auditor.toLowerCase()),
  );
  const slow = now.filter((r) => underperformed(r) && before.has(r.auditor.toLowerCase()));
  if (slow.length >= quorum) return { kind: 2, epoch, reports: slow.slice(0, quorum) };
  return undefined;
}
