/**
 * Lets a contract pull an account's tokens: sends `approve` only when the allowance is short, so a
 * repeated command costs no second transaction. What every action that pulls tokens does first.
 */
import { type Address, erc20Abi } from 'viem';
import { readContract } from 'viem/actions';
import type { ChainClient } from '../chainClient.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type ApproveIfNeededParameters = TransactionOptions & { token: Address; spender: Address; amount: bigint };
/** Whether an approval was sent. */
export type ApproveIfNeededReturnType = boolean;
export type ApproveIfNeededErrorType = SendTransactionErrorType;

/**
 * @example
 * await approveIfNeeded(client, { token: deployment.contracts.token, spender: registry, amount, label: 'approve RBT' });
 */
export async function approveIfNeeded(
  client: ChainClient,
  { token, spender, amount, label = 'approve', onProgress }: ApproveIfNeededParameters,
): Promise<ApproveIfNeededReturnType> {
  const allowance = await readContract(client, {
    address: token,
    abi: erc20Abi,
    functionName: 'allowance',
    args: [client.account.address, spender],
  });
  if (allowance >= amount) return false;
  await sendTransaction(client, {
    address: token,
    abi: erc20Abi,
    functionName: 'approve',
    args: [spender, amount],
    label,
    onProgress,
  });
  return true;
}
