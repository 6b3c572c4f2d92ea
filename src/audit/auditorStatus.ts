/**
 * The auditor's status as its local API serves it: the epoch, what it has published, anchored and
 * slashed, and every provider it knows with its reputation, eligibility and this auditor's last report.
 */
import type { Address } from 'viem';
import type { SignedOffer } from '../net/offer.ts';
import type { AuditReport } from '../reputation/auditReport.ts';
import { PRIOR, SELECTION_THRESHOLD } from '../reputation/reputation.ts';

export type AuditorStatus = {
  address: Address;
  epoch: number;
  epochMs: number;
  reportsPublished: number;
  /** Epochs whose report digest this auditor anchored on chain (`ProviderRegistry.anchorReports`). */
  reportsAnchored: number;
  slashesSubmitted: number;
  providers: { provider: Address; reputation: number; eligible: boolean; last?: AuditReport }[];
};

export type AuditorFigures = {
  address: Address;
  epochMs: number;
  offers: readonly SignedOffer[];
  /** Reputation by provider (lower-case address). */
  reputation: ReadonlyMap<string, number>;
  /** What the `ReportPublisher` counts, and this auditor's last report by provider (lower-case address). */
  publisher: { reportsPublished: number; reportsAnchored: number; last: ReadonlyMap<string, AuditReport> };
  /** What the `SlashCollector` counts. */
  slashes: { slashesSubmitted: number };
};

export function auditorStatus(f: AuditorFigures, now = Date.now()): AuditorStatus {
  return {
    address: f.address,
    epoch: Math.floor(now / f.epochMs),
    epochMs: f.epochMs,
    reportsPublished: f.publisher.reportsPublished,
    reportsAnchored: f.publisher.reportsAnchored,
    slashesSubmitted: f.slashes.slashesSubmitted,
    providers: f.offers.map((o) => {
      const key = o.offer.provider.toLowerCase();
      const r = f.reputation.get(key);
      return {
        provider: o.offer.provider,
        reputation: r ?? PRIOR,
        eligible: (r ?? PRIOR) >= SELECTION_THRESHOLD,
        last: f.publisher.last.get(key),
      };
    }),
  };
}
