/** Whom an account has delegated its RBT votes to (the zero address: nobody, so its RBT does not vote). */
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { bandwidthTokenAbi } from '../abi/bandwidthToken.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type GetDelegateParameters = { deployment: Deployment; account: Address };
export type GetDelegateReturnType = Address;
export type GetDelegateErrorType = Error;

/**
 * @example
 * const delegatee = await getDelegate(client, { deployment, account });
 */
export function getDelegate(
  client: ReadClient,
  { deployment, account }: GetDelegateParameters,
): Promise<GetDelegateReturnType> {
  return readContract(client, {
    address: deployment.contracts.token,
    abi: bandwidthTokenAbi,
    functionName: 'delegates',
    args: [account],
  });
}
