/**
 * A provider's registry record as the daemons use it: registered or not, bonded stake, price, region,
 * claimed capacity and the libp2p peer id it registered (decoded by `peerIdOnChain.ts`).
 */
import { type Address, hexToString } from 'viem';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { peerIdFromBytes } from '../peerIdOnChain.ts';
import { getProvider } from './getProvider.ts';

export type ReadProviderParameters = { deployment: Deployment; provider: Address };

export type ProviderRecord = {
  registered: boolean;
  /** Bonded (slashable, counted) stake, RBT wei. */
  stakeWei: bigint;
  priceWeiPerGiB: bigint;
  /** ISO 3166-1 alpha-2, e.g. `DE` (empty when unregistered). */
  region: string;
  capacityBytesPerSecond: number;
  /** Jailed for being unreachable (`ProviderRegistry.unjail` ends it). */
  jailed: boolean;
  peerId?: string;
};
export type ReadProviderReturnType = ProviderRecord;
export type ReadProviderErrorType = Error;

/**
 * @example
 * const { registered, stakeWei, peerId } = await readProvider(client, { deployment, provider: address });
 */
export async function readProvider(
  client: ReadClient,
  { deployment, provider }: ReadProviderParameters,
): Promise<ReadProviderReturnType> {
  const p = await getProvider(client, { deployment, provider });
  const registered = p.registeredAt > 0n;
  return {
    registered,
    stakeWei: p.bonded,
    priceWeiPerGiB: p.priceWeiPerGiB,
    region: registered ? hexToString(p.region) : '',
    capacityBytesPerSecond: Number(p.capacityBytesPerSec),
    jailed: p.jailedUntil > 0n,
    peerId: registered ? peerIdFromBytes(p.peerId) : undefined,
  };
}
