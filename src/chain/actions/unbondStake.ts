/** Starts unbonding provider stake: it stays slashable for the unbonding period, then `withdrawStake` pays it out. */
import type { TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type UnbondStakeParameters = TransactionOptions & { deployment: Deployment /** RBT wei. */; amount: bigint };
export type UnbondStakeReturnType = TransactionReceipt;
export type UnbondStakeErrorType = SendTransactionErrorType;

/**
 * @example
 * await unbondStake(client, { deployment, amount: provider.bonded });
 */
export function unbondStake(
  client: ChainClient,
  { deployment, amount, label = 'unbond stake', onProgress }: UnbondStakeParameters,
): Promise<UnbondStakeReturnType> {
  return sendTransaction(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'unbond',
    args: [amount],
    label,
    onProgress,
  });
}
