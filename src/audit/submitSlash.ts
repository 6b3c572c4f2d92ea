/**
 * Turning a slash finding into a slash on chain: every committee member of the quorum signs the
 * registry's `Report {provider, epoch, kind, evidence}` (evidence = the digest of the quorum's audit
 * reports); anyone proposes it with the signatures in ascending signer order, as
 * `ProviderRegistry.proposeSlash` requires, and after the dispute window anyone finalizes it with the
 * same signers.
 */
import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem';
import { finalizeSlash } from '../chain/actions/finalizeSlash.ts';
import { proposeSlash } from '../chain/actions/proposeSlash.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import { type AuditDomain, evidenceOf } from '../reputation/auditReport.ts';
import type { SlashFinding } from '../reputation/slashFinding.ts';
import { recoverSlashSigner, type SlashReport } from '../reputation/slashReport.ts';

export function slashReportOf(domain: AuditDomain, provider: Address, finding: SlashFinding): SlashReport {
  return { provider, epoch: finding.epoch, kind: finding.kind, evidence: evidenceOf(domain, finding.reports) };
}

/** The registry's handle of the slash of `provider` for `epoch`: keccak256(abi.encode(provider, epoch)). */
export function slashIdOf(provider: Address, epoch: number): Hex {
  return keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint64' }], [provider, BigInt(epoch)]));
}

/** Signatures with their signers, ascending by signer address (the contract's rule against duplicates). */
export async function orderSlashSignatures(
  domain: AuditDomain,
  report: SlashReport,
  signatures: Hex[],
): Promise<{ signer: Address; signature: Hex }[]> {
  const withSigner = await Promise.all(
    signatures.map(async (signature) => ({ signature, signer: await recoverSlashSigner(domain, report, signature) })),
  );
  return withSigner.sort((a, b) => {
    const [x, y] = [BigInt(a.signer), BigInt(b.signer)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * Proposes the slash; fails with a `CallRevertedError` naming `QuorumNotReached`, `NotInCommittee`,
 * `NotAnchored`, `EpochOutOfWindow` or `ReportAlreadyUsed`. Returns the slash's id and its signers (what
 * `finalizeSlash` needs).
 */
export async function submitSlash(
  client: ChainClient,
  domain: AuditDomain,
  report: SlashReport,
  signatures: Hex[],
): Promise<{ id: Hex; signers: Address[] }> {
  const ordered = await orderSlashSignatures(domain, report, signatures);
  await proposeSlash(client, {
    registry: domain.registry,
    report: { ...report, epoch: BigInt(report.epoch) },
    signatures: ordered.map((s) => s.signature),
  });
  return { id: slashIdOf(report.provider, report.epoch), signers: ordered.map((s) => s.signer) };
}

/** Finalizes a proposed slash whose dispute window has passed (see `finalizeSlash`). */
export async function finishSlash(
  client: ChainClient,
  domain: AuditDomain,
  slash: { id: Hex; signers: Address[] },
): Promise<void> {
  await finalizeSlash(client, { registry: domain.registry, id: slash.id, signers: slash.signers });
}
