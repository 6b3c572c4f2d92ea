/**
 * Registers the client's account as a provider: approves the stake to the registry when needed and
 * calls `registerProvider` with its peer id (multihash bytes, `peerIdOnChain.ts`), price, region,
 * capacity and stake.
 */
import { type Hex, isHex, stringToHex, type TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { InvalidArgumentError } from '../errors.ts';
import { approveIfNeeded } from './approveIfNeeded.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type RegisterProviderParameters = TransactionOptions & {
  deployment: Deployment;
  /** The libp2p peer id (`12D3KooW…`), or its multihash bytes as `0x…`. */
  peerId: string | Hex;
  priceWeiPerGiB: bigint;
  /** ISO 3166-1 alpha-2 country code, e.g. `DE` (`ZZ`: unknown). */
  region: string;
  capacityBytesPerSecond: number | bigint;
  stakeWei: bigint;
  metadata?: string;
};
export type RegisterProviderReturnType = TransactionReceipt;
export type RegisterProviderErrorType = InvalidArgumentError | SendTransactionErrorType;

/**
 * @example
 * await registerProvider(client, { deployment, peerId, priceWeiPerGiB, region: 'DE', capacityBytesPerSecond: 12_500_000, stakeWei });
 */
export async function registerProvider(
  client: ChainClient,
  { deployment, label = 'register provider', onProgress, ...p }: RegisterProviderParameters,
): Promise<RegisterProviderReturnType> {
  if (!/^[A-Z]{2}$/.test(p.region))
    throw new InvalidArgumentError({ name: 'region', value: p.region, expected: 'a two-letter country code like DE' });
  // libp2p's peer-id code loads only when a textual id must be converted: it slows every CLI start.
  const peerIdBytes = isHex(p.peerId) ? p.peerId : (await import('../peerIdOnChain.ts')).peerIdToBytes(p.peerId);
  const { registry, token } = deployment.contracts;
  await approveIfNeeded(client, { token, spender: registry, amount: p.stakeWei, label: 'approve RBT', onProgress });
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'registerProvider',
    args: [
      peerIdBytes,
      p.priceWeiPerGiB,
      stringToHex(p.region, { size: 2 }),
      BigInt(p.capacityBytesPerSecond),
      p.metadata ?? '',
      p.stakeWei,
    ],
    label,
    onProgress,
  });
}
