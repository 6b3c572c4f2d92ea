/** Whether an account is in the provider registry (registered, whatever its stake). */
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type IsProviderParameters = { deployment: Deployment; account: Address };
export type IsProviderReturnType = boolean;
export type IsProviderErrorType = Error;

/**
 * @example
 * if (!(await isProvider(client, { deployment, account }))) await registerProvider(wallet, { ... });
 */
export function isProvider(
  client: ReadClient,
  { deployment, account }: IsProviderParameters,
): Promise<IsProviderReturnType> {
  return readContract(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'isProvider',
    args: [account],
  });
}
