/** Adds to a registered provider's bonded stake (approving the registry first when needed). */
import type { TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { approveIfNeeded } from './approveIfNeeded.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type AddStakeParameters = TransactionOptions & { deployment: Deployment /** RBT wei. */; amount: bigint };
export type AddStakeReturnType = TransactionReceipt;
export type AddStakeErrorType = SendTransactionErrorType;

/**
 * @example
 * await addStake(client, { deployment, amount: 500n * 10n ** 18n });
 */
export async function addStake(
  client: ChainClient,
  { deployment, amount, label = 'add stake', onProgress }: AddStakeParameters,
): Promise<AddStakeReturnType> {
  const { registry, token } = deployment.contracts;
  await approveIfNeeded(client, { token, spender: registry, amount, label: 'approve RBT', onProgress });
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'addStake',
    args: [amount],
    label,
    onProgress,
  });
}
