/**
 * Anchors an auditor's reports of one epoch on chain (issue #6): the reports themselves travel over
 * gossip; `ProviderRegistry.anchorReports(epoch, digest, count)` records their digest and number in a
 * `ReportsAnchored` event. Only a registered auditor with bonded stake ≥ `auditorMinStake` may anchor,
 * once per epoch (`NotStakedAuditor`, `AlreadyAnchored` otherwise).
 */
import type { Hex, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from './abi/providerRegistry.ts';
import type { ChainClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';
import { sendAndWait } from './sendAndWait.ts';

export type AnchorReportsParameters = {
  /** The auditor's client: its account is the anchoring auditor. */
  client: ChainClient;
  deployment: Deployment;
  /** The audit epoch the reports cover (uint64). */
  epoch: bigint | number;
  /** A 32-byte digest of the epoch's reports, as the auditor computes it off chain. */
  digest: Hex;
  /** How many reports the digest covers (uint32). */
  count: number;
};

/**
 * @example
 * await anchorReports({ client, deployment, epoch: 42n, digest, count: reports.length });
 */
export async function anchorReports({
  client,
  deployment,
  epoch,
  digest,
  count,
}: AnchorReportsParameters): Promise<TransactionReceipt> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(digest)) throw new Error(`digest ${digest} is not 32 bytes of hex`);
  if (!Number.isInteger(count) || count < 0 || count > 0xffff_ffff) throw new Error(`count ${count} is not a uint32`);
  const e = BigInt(epoch);
  if (e < 0n || e >= 1n << 64n) throw new Error(`epoch ${e} is not a uint64`);
  return sendAndWait(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'anchorReports',
    args: [e, digest, count],
  });
}
