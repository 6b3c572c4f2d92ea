/**
 * The registry's numbers that callers check before acting: the minimum provider and auditor stakes, the
 * committee size and quorum share, the audit epoch, the dispute window, the current epoch, and how many
 * providers are registered.
 * One action, because each is a parameterless read of the same contract.
 */
import { readContract } from 'viem/actions';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

/** The registry's parameterless number getters. */
export type RegistryParameter =
  | 'minStake'
  | 'auditorMinStake'
  | 'committeeSize'
  | 'quorumBps'
  | 'epochLength'
  | 'disputeWindow'
  | 'currentEpoch'
  | 'providerCount';

export type ReadRegistryParameterParameters = { deployment: Deployment; name: RegistryParameter };
export type ReadRegistryParameterReturnType = bigint;
export type ReadRegistryParameterErrorType = Error;

/**
 * @example
 * const minStake = await readRegistryParameter(client, { deployment, name: 'minStake' });
 */
export async function readRegistryParameter(
  client: ReadClient,
  { deployment, name }: ReadRegistryParameterParameters,
): Promise<ReadRegistryParameterReturnType> {
  const value = await readContract(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: name,
  });
  return BigInt(value);
}
