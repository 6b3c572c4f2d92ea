/**
 * The registry's `Report {provider, epoch, kind, evidence}` as auditors exchange it before a slash:
 * each quorum member signs it (EIP-712 under the registry's domain) and publishes the signature on the
 * audit topic, and anyone can recover who signed (what `ProviderRegistry.slash` recovers too). Shared
 * by the audit gossip, which carries the signatures, and the auditor, which collects and submits them.
 */
import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from 'viem';
import { registryDomain, reportTypes } from '../chain/typedData.ts';
import type { AuditDomain } from './auditReport.ts';

/** `kind`: 1 black hole, 2 underperformance, 3 offline (the registry's `KIND_*`). */
export type SlashReport = { provider: Address; epoch: number; kind: 1 | 2 | 3; evidence: Hex };

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
