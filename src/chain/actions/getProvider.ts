/**
 * A provider's raw registry record, as the contract returns it (peer id and region as bytes). Light to
 * import: `readProvider` decodes it for the daemons, which pulls in libp2p's peer-id code.
 */
import type { Address, ContractFunctionReturnType } from 'viem';
import { readContract } from 'viem/actions';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type GetProviderParameters = { deployment: Deployment; provider: Address };
/** The registry's `Provider` struct: bonded, unbonding, unbondingReadyAt, registeredAt, peerId, region, … */
export type GetProviderReturnType = ContractFunctionReturnType<typeof providerRegistryAbi, 'view', 'getProvider'>;
export type GetProviderErrorType = Error;

/**
 * `registeredAt` is 0 for an address that never registered (or left).
 *
 * @example
 * const { bonded, unbonding, unbondingReadyAt } = await getProvider(client, { deployment, provider: address });
 */
export function getProvider(
  client: ReadClient,
  { deployment, provider }: GetProviderParameters,
): Promise<GetProviderReturnType> {
  return readContract(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'getProvider',
    args: [provider],
  });
}
