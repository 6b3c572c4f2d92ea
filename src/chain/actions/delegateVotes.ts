/** Delegates the account's RBT votes (to itself, to make them count, or to someone else). */
import type { Address, TransactionReceipt } from 'viem';
import { bandwidthTokenAbi } from '../abi/bandwidthToken.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type DelegateVotesParameters = TransactionOptions & { deployment: Deployment; delegatee: Address };
export type DelegateVotesReturnType = TransactionReceipt;
export type DelegateVotesErrorType = SendTransactionErrorType;

/**
 * @example
 * await delegateVotes(client, { deployment, delegatee: client.account.address });
 */
export function delegateVotes(
  client: ChainClient,
  { deployment, delegatee, label = 'delegate votes', onProgress }: DelegateVotesParameters,
): Promise<DelegateVotesReturnType> {
  return sendTransaction(client, {
    address: deployment.contracts.token,
    abi: bandwidthTokenAbi,
    functionName: 'delegate',
    args: [delegatee],
    label,
    onProgress,
  });
}
