/**
 * An auditor's signed measurement of one provider in one epoch — the unit reputation is computed
 * from and the evidence a slash points at. Signed with EIP-712 under the registry's domain (type
 * `AuditReport`, distinct from the on-chain `Report`), so anyone holding the reports can check who
 * measured what and recompute every score. The `evidence` of an on-chain slash is the digest of the
 * quorum's reports (`evidenceOf`).
 */
import {
  type Address,
  encodePacked,
  type Hex,
  hashTypedData,
  isAddressEqual,
  keccak256,
  type LocalAccount,
  recoverTypedDataAddress,
} from 'viem';
import { registryDomain } from '../chain/typedData.ts';
import { BaseError } from '../errors/BaseError.ts';

export const auditReportTypes = {
  AuditReport: [
    { name: 'auditor', type: 'address' },
    { name: 'provider', type: 'address' },
    { name: 'epoch', type: 'uint64' },
    { name: 'probesSent', type: 'uint32' },
    { name: 'probesDelivered', type: 'uint32' },
    { name: 'rttMicros', type: 'uint32' },
    { name: 'throughputBps', type: 'uint64' },
    { name: 'claimedBps', type: 'uint64' },
    { name: 'sessionsAttempted', type: 'uint32' },
    { name: 'sessionsServed', type: 'uint32' },
    { name: 'probePayer', type: 'address' },
    { name: 'probeSession', type: 'bytes32' },
    { name: 'bytesReceived', type: 'uint64' },
  ],
} as const;

/** What one auditor measured of one provider during one epoch. */
export type AuditReport = {
  auditor: Address;
  provider: Address;
  epoch: number;
  /** Canary probes sent through the provider to the auditor's own targets, and how many arrived. */
  probesSent: number;
  probesDelivered: number;
  /** Median round trip of delivered probes, microseconds (0 when none arrived). */
  rttMicros: number;
  /** Capacity measured (bytes per second; the auditor's share of a coordinated measurement). */
  throughputBps: number;
  /** Capacity the provider claims in the registry. */
  claimedBps: number;
  /** Paid sessions the auditor proposed, and how many the provider accepted and served. */
  sessionsAttempted: number;
  sessionsServed: number;
  /** The payer key of the probe session (zero address: no session was proposed). */
  probePayer: Address;
  /** The probe session's id (`sessionIdOf`; zero: no session was served). */
  probeSession: Hex;
  /** What the auditor received through that session: a receipt signed by `probePayer` for more
   * contradicts this report (`ProviderRegistry.disputeSlash`). */
  bytesReceived: number;
};

export const NO_SESSION = `0x${'00'.repeat(32)}` as Hex;

export type SignedAuditReport = { report: AuditReport; signature: Hex };

export type AuditDomain = { chainId: number; registry: Address };

export class AuditReportError extends BaseError<Record<string, unknown>> {
  override name = 'AuditReportError';
}

/** The report as `ProviderRegistry` takes it (and as it is signed): 64-bit fields as bigints. */
export function onChainAuditReport(report: AuditReport) {
  return {
    ...report,
    epoch: BigInt(report.epoch),
    throughputBps: BigInt(report.throughputBps),
    claimedBps: BigInt(report.claimedBps),
    bytesReceived: BigInt(report.bytesReceived),
  };
}

function typedData(domain: AuditDomain, report: AuditReport) {
  return {
    domain: registryDomain(domain.chainId, domain.registry),
    types: auditReportTypes,
    primaryType: 'AuditReport' as const,
    message: onChainAuditReport(report),
  };
}

export function checkReportFields(report: AuditReport): void {
  const bad = (details: string) => {
    throw new AuditReportError('malformed audit report', { code: 'AUDIT_REPORT_MALFORMED', details });
  };
  const u32 = (n: number) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff;
  const u53 = (n: number) => Number.isSafeInteger(n) && n >= 0;
  if (!u53(report.epoch)) bad('epoch is not a non-negative integer');
  for (const key of ['probesSent', 'probesDelivered', 'rttMicros', 'sessionsAttempted', 'sessionsServed'] as const)
    if (!u32(report[key])) bad(`${key} is not a uint32`);
  if (!u53(report.throughputBps) || !u53(report.claimedBps)) bad('capacity is not a non-negative integer');
  if (!u53(report.bytesReceived)) bad('bytesReceived is not a non-negative integer');
  if (!/^0x[0-9a-fA-F]{64}$/.test(report.probeSession)) bad('probeSession is not 32 bytes of hex');
  if (!/^0x[0-9a-fA-F]{40}$/.test(report.probePayer)) bad('probePayer is not an address');
  if (report.probesDelivered > report.probesSent) bad('more probes delivered than sent');
  if (report.sessionsServed > report.sessionsAttempted) bad('more sessions served than attempted');
}

export async function signAuditReport(
  account: LocalAccount,
  domain: AuditDomain,
  report: AuditReport,
): Promise<SignedAuditReport> {
  checkReportFields(report);
  if (!isAddressEqual(account.address, report.auditor))
    throw new AuditReportError('an auditor signs only its own reports', { code: 'AUDIT_REPORT_WRONG_SIGNER' });
  return { report, signature: await account.signTypedData(typedData(domain, report)) };
}

/** Checks fields and signature; throws `AuditReportError` (`AUDIT_REPORT_MALFORMED` / `_BAD_SIGNATURE`). */
export async function verifyAuditReport(domain: AuditDomain, signed: SignedAuditReport): Promise<void> {
  checkReportFields(signed.report);
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({ ...typedData(domain, signed.report), signature: signed.signature });
  } catch (cause) {
    throw new AuditReportError('unreadable audit report signature', { code: 'AUDIT_REPORT_BAD_SIGNATURE', cause });
  }
  if (!isAddressEqual(signer, signed.report.auditor))
    throw new AuditReportError('audit report not signed by its auditor', {
      code: 'AUDIT_REPORT_BAD_SIGNATURE',
      meta: { signer, auditor: signed.report.auditor },
    });
}

export function auditReportDigest(domain: AuditDomain, report: AuditReport): Hex {
  return hashTypedData(typedData(domain, report));
}

/** The on-chain evidence for a set of reports: keccak256 of their digests in ascending order. */
export function evidenceOf(domain: AuditDomain, reports: readonly AuditReport[]): Hex {
  const digests = reports.map((r) => auditReportDigest(domain, r)).sort();
  return keccak256(encodePacked(['bytes32[]'], [digests]));
}
