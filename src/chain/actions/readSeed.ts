/**
 * The committee seed of an epoch (`ProviderRegistry.seedOf`): zero while not drawn (`drawSeed`).
 */
import type { Address, Hex } from 'viem';
import { readContract } from 'viem/actions';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ReadClient } from '../chainClient.ts';

export type ReadSeedParameters = { registry: Address; epoch: number };
export type ReadSeedReturnType = Hex;
export type ReadSeedErrorType = Error;

/**
 * @example
 * if (BigInt(await readSeed(client, { registry, epoch: next })) === 0n) await drawSeed(client, { registry });
 */
export function readSeed(client: ReadClient, { registry, epoch }: ReadSeedParameters): Promise<ReadSeedReturnType> {
  return readContract(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'seedOf',
    args: [BigInt(epoch)],
  });
}
