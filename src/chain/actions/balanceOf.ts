/**
 * An ERC-20 balance (RBT, the reserve token or any other): what the CLI checks before spending and
 * the client checks before opening a channel.
 */
import type { Address } from 'viem';
import { erc20Abi } from 'viem';
import { readContract } from 'viem/actions';
import type { ReadClient } from '../chainClient.ts';

export type BalanceOfParameters = { token: Address; account: Address };
export type BalanceOfReturnType = bigint;
export type BalanceOfErrorType = Error;

/**
 * The token's balance of `account`, in its base units.
 *
 * @example
 * const rbt = await balanceOf(client, { token: deployment.contracts.token, account: address });
 */
export function balanceOf(client: ReadClient, { token, account }: BalanceOfParameters): Promise<BalanceOfReturnType> {
  return readContract(client, { address: token, abi: erc20Abi, functionName: 'balanceOf', args: [account] });
}
