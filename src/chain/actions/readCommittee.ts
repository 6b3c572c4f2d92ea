/**
 * The auditor committee of (provider, epoch) and the signatures a slash needs from it
 * (`ProviderRegistry.committeeOf`, `quorumOf`); `undefined` while the epoch's seed is not drawn.
 * Committees never change once drawn, so callers may cache them.
 */
import { type Address, ContractFunctionRevertedError, BaseError as ViemBaseError } from 'viem';
import { readContract } from 'viem/actions';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ReadClient } from '../chainClient.ts';

export type Committee = { members: Address[]; quorum: number };
export type ReadCommitteeParameters = { registry: Address; provider: Address; epoch: number };
export type ReadCommitteeReturnType = Committee | undefined;
export type ReadCommitteeErrorType = Error;

/**
 * @example
 * const committee = await readCommittee(client, { registry, provider, epoch });
 * if (committee?.members.includes(me)) ...
 */
export async function readCommittee(
  client: ReadClient,
  { registry, provider, epoch }: ReadCommitteeParameters,
): Promise<ReadCommitteeReturnType> {
  let members: readonly Address[];
  try {
    members = await readContract(client, {
      address: registry,
      abi: providerRegistryAbi,
      functionName: 'committeeOf',
      args: [provider, BigInt(epoch)],
    });
  } catch (error) {
    const revert =
      error instanceof ViemBaseError ? error.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName === 'NoSeed') return undefined;
    throw error;
  }
  const quorum = await readContract(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'quorumOf',
    args: [BigInt(members.length)],
  });
  return { members: [...members], quorum: Number(quorum) };
}
