/**
 * Turning a slash finding into a slash on chain: every auditor of the quorum signs the registry's
 * `Report {provider, epoch, kind, evidence}` (evidence = the digest of the quorum's audit reports), and
 * anyone submits the signatures in ascending signer order, as `ProviderRegistry.slash` requires.
 */
import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from 'viem';
import { slashProvider } from '../chain/actions/slashProvider.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import { registryDomain, reportTypes } from '../chain/typedData.ts';
import { type AuditDomain, evidenceOf } from './auditReport.ts';
import type { SlashFinding } from './slashFinding.ts';

export type SlashReport = { provider: Address; epoch: number; kind: 1 | 2; evidence: Hex };

export function slashReportOf(domain: AuditDomain, provider: Address, finding: SlashFinding): SlashReport {
  return { provider, epoch: finding.epoch, kind: finding.kind, evidence: evidenceOf(domain, finding.reports) };
}

function typedData(domain: AuditDomain, report: SlashReport) {
  return {
    domain: registryDomain(domain.chainId, domain.registry),
    types: reportTypes,
    primaryType: 'Report' as const,
    message: { ...report, epoch: BigInt(report.epoch) },
  };
}

/** One auditor's signature over the slash report (what auditors exchange before submitting). */
export function signSlashReport(account: LocalAccount, domain: AuditDomain, report: SlashReport): Promise<Hex> {
  return account.signTypedData(typedData(domain, report));
}

/** The auditor who signed `report` (what `ProviderRegistry.slash` recovers). */
export function recoverSlashSigner(domain: AuditDomain, report: SlashReport, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({ ...typedData(domain, report), signature });
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
