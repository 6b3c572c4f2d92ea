/**
 * Anchors an auditor's reports of one epoch on chain (issue #6): the reports themselves travel over
 * gossip; `ProviderRegistry.anchorReports(epoch, digest, count)` records their digest and number in a
 * `ReportsAnchored` event. Only a registered auditor with bonded stake ≥ `auditorMinStake` may anchor,
 * once per epoch (`NotStakedAuditor`, `AlreadyAnchored` otherwise).
 */
import type { Hex, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { InvalidArgumentError } from '../errors.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** The contract's integer widths: `epoch` is a uint64, `count` a uint32. */
const UINT64_END = 1n << 64n;
const UINT32_MAX = 0xffff_ffff;

export type AnchorReportsParameters = TransactionOptions & {
  deployment: Deployment;
  /** The audit epoch the reports cover (uint64). */
  epoch: bigint | number;
  /** A 32-byte digest of the epoch's reports, as the auditor computes it off chain. */
  digest: Hex;
  /** How many reports the digest covers (uint32). */
  count: number;
};
export type AnchorReportsReturnType = TransactionReceipt;
export type AnchorReportsErrorType = InvalidArgumentError | SendTransactionErrorType;

/**
 * The client's account is the anchoring auditor.
 *
 * @example
 * await anchorReports(client, { deployment, epoch: 42n, digest, count: reports.length });
 */
export async function anchorReports(
  client: ChainClient,
  { deployment, epoch, digest, count, label = 'anchor reports', onProgress }: AnchorReportsParameters,
): Promise<AnchorReportsReturnType> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(digest))
    throw new InvalidArgumentError({ name: 'digest', value: digest, expected: '32 bytes of hex' });
  if (!Number.isInteger(count) || count < 0 || count > UINT32_MAX)
    throw new InvalidArgumentError({ name: 'count', value: count, expected: 'a uint32' });
  const e = BigInt(epoch);
  if (e < 0n || e >= UINT64_END) throw new InvalidArgumentError({ name: 'epoch', value: e, expected: 'a uint64' });
  return sendTransaction(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'anchorReports',
    args: [e, digest, count],
    label,
    onProgress,
  });
}
