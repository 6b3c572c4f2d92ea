/** Pays out provider stake whose unbonding period is over (the provider leaves the registry at zero bonded). */
import type { TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type WithdrawStakeParameters = TransactionOptions & { deployment: Deployment };
export type WithdrawStakeReturnType = TransactionReceipt;
export type WithdrawStakeErrorType = SendTransactionErrorType;

/**
 * @example
 * await withdrawStake(client, { deployment });
 */
export function withdrawStake(
  client: ChainClient,
  { deployment, label = 'withdraw stake', onProgress }: WithdrawStakeParameters,
): Promise<WithdrawStakeReturnType> {
  return sendTransaction(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'withdraw',
    label,
    onProgress,
  });
}
