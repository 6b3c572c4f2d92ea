/** When the devnet's TestDollar faucet gives to an account again (it gives once per cool-down). */
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { testDollarAbi } from '../abi/testDollar.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type ReadFaucetAvailableAtParameters = { deployment: Deployment; account: Address };
/** Seconds since the epoch (chain time); at or before the latest block's timestamp = available now. */
export type ReadFaucetAvailableAtReturnType = bigint;
export type ReadFaucetAvailableAtErrorType = Error;

/**
 * @example
 * const at = await readFaucetAvailableAt(client, { deployment, account });
 */
export function readFaucetAvailableAt(
  client: ReadClient,
  { deployment, account }: ReadFaucetAvailableAtParameters,
): Promise<ReadFaucetAvailableAtReturnType> {
  return readContract(client, {
    address: deployment.contracts.reserve,
    abi: testDollarAbi,
    functionName: 'faucetAvailableAt',
    args: [account],
  });
}
