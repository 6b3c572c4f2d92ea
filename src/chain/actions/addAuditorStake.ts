/** Adds to a registered auditor's bonded stake (approving the registry first when needed). */
import type { TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { approveIfNeeded } from './approveIfNeeded.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type AddAuditorStakeParameters = TransactionOptions & { deployment: Deployment /** RBT wei. */; amount: bigint };
export type AddAuditorStakeReturnType = TransactionReceipt;
export type AddAuditorStakeErrorType = SendTransactionErrorType;

/**
 * @example
 * await addAuditorStake(client, { deployment, amount: shortOfMinimum });
 */
export async function addAuditorStake(
  client: ChainClient,
  { deployment, amount, label = 'add auditor stake', onProgress }: AddAuditorStakeParameters,
): Promise<AddAuditorStakeReturnType> {
  const { registry, token } = deployment.contracts;
  await approveIfNeeded(client, { token, spender: registry, amount, label: 'approve RBT', onProgress });
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'addAuditorStake',
    args: [amount],
    label,
    onProgress,
  });
}
