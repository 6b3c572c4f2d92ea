/**
 * Registers the client's account as a provider: approves the stake to the registry and calls
 * `registerProvider` with its peer id (multihash bytes, `peerIdOnChain.ts`), price, region and capacity.
 */
import { stringToHex } from 'viem';
import { bandwidthTokenAbi } from './abi/bandwidthToken.ts';
import { providerRegistryAbi } from './abi/providerRegistry.ts';
import type { ChainClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';
import { peerIdToBytes } from './peerIdOnChain.ts';
import { sendAndWait } from './sendAndWait.ts';

export type RegisterProviderParameters = {
  client: ChainClient;
  deployment: Deployment;
  peerId: string;
  priceWeiPerGiB: bigint;
  /** ISO 3166-1 alpha-2 country code, e.g. `DE`. */
  region: string;
  capacityBytesPerSecond: number;
  stakeWei: bigint;
  metadata?: string;
};

export async function registerProvider(p: RegisterProviderParameters): Promise<void> {
  const { client, deployment } = p;
  if (!/^[A-Z]{2}$/.test(p.region)) throw new Error(`region ${p.region} is not a two-letter country code like DE`);
  await sendAndWait(client, {
    address: deployment.contracts.token,
    abi: bandwidthTokenAbi,
    functionName: 'approve',
    args: [deployment.contracts.registry, p.stakeWei],
  });
  await sendAndWait(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'registerProvider',
    args: [
      peerIdToBytes(p.peerId),
      p.priceWeiPerGiB,
      stringToHex(p.region, { size: 2 }),
      BigInt(p.capacityBytesPerSecond),
      p.metadata ?? '',
      p.stakeWei,
    ],
  });
}
