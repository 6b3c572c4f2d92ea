/**
 * A provider's registry record as the rest of the code uses it: registered or not, bonded stake,
 * price, region, claimed capacity and the libp2p peer id it registered (`peerIdOnChain.ts`).
 */
import { type Address, hexToString, type PublicClient } from 'viem';
import { providerRegistryAbi } from './abi/providerRegistry.ts';
import type { ChainClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';
import { peerIdFromBytes } from './peerIdOnChain.ts';

export type ProviderRecord = {
  registered: boolean;
  stakeWei: bigint;
  priceWeiPerGiB: bigint;
  /** ISO 3166-1 alpha-2, e.g. `DE` (empty when unregistered). */
  region: string;
  capacityBytesPerSecond: number;
  peerId?: string;
};

export async function readProvider(
  client: PublicClient | ChainClient,
  deployment: Deployment,
  provider: Address,
): Promise<ProviderRecord> {
  const p = await client.readContract({
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'getProvider',
    args: [provider],
  });
  const registered = p.registeredAt > 0n;
  return {
    registered,
    stakeWei: p.bonded,
    priceWeiPerGiB: p.priceWeiPerGiB,
    region: registered ? hexToString(p.region) : '',
    capacityBytesPerSecond: Number(p.capacityBytesPerSec),
    peerId: registered ? peerIdFromBytes(p.peerId) : undefined,
  };
}
