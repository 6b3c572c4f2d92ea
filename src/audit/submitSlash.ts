/**
 * Turning a slash finding into a slash on chain: every auditor of the quorum signs the registry's
 * `Report {provider, epoch, kind, evidence}` (evidence = the digest of the quorum's audit reports), and
 * anyone submits the signatures in ascending signer order, as `ProviderRegistry.slash` requires.
 */
import type { Address, Hex } from 'viem';
import { slashProvider } from '../chain/actions/slashProvider.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import { type AuditDomain, evidenceOf } from '../reputation/auditReport.ts';
import { recoverSlashSigner, type SlashReport } from '../reputation/slashReport.ts';
import type { SlashFinding } from './slashFinding.ts';

export function slashReportOf(domain: AuditDomain, provider: Address, finding: SlashFinding): SlashReport {
  return { provider, epoch: finding.epoch, kind: finding.kind, evidence: evidenceOf(domain, finding.reports) };
}

/** Orders signatures by signer address, ascending (the contract's rule against duplicates). */
export async function orderSlashSignatures(
  domain: AuditDomain,
  report: SlashReport,
  signatures: Hex[],
): Promise<Hex[]> {
  const withSigner = await Promise.all(
    signatures.map(async (signature) => ({
      signature,
      signer: BigInt(await recoverSlashSigner(domain, report, signature)),
    })),
  );
  return withSigner.sort((a, b) => (a.signer < b.signer ? -1 : a.signer > b.signer ? 1 : 0)).map((s) => s.signature);
}

/**
 * Submits the slash; fails with a `CallRevertedError` naming `QuorumNotReached`, `ReportAlreadyUsed` or
 * `NotStakedAuditor` on a short quorum, a replay or an unstaked signer.
 */
export async function submitSlash(
  client: ChainClient,
  domain: AuditDomain,
  report: SlashReport,
  signatures: Hex[],
): Promise<void> {
  await slashProvider(client, {
    registry: domain.registry,
    report: { ...report, epoch: BigInt(report.epoch) },
    signatures: await orderSlashSignatures(domain, report, signatures),
  });
}
