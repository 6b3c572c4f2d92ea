/**
 * Registers the account as an auditor, bonding `stakeWei` RBT (default: the registry's minimum auditor
 * stake); approves the registry first when the allowance is short.
 */
import type { TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { approveIfNeeded } from './approveIfNeeded.ts';
import { readRegistryParameter } from './readRegistryParameter.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type RegisterAuditorParameters = TransactionOptions & { deployment: Deployment; stakeWei?: bigint };
export type RegisterAuditorReturnType = TransactionReceipt;
export type RegisterAuditorErrorType = SendTransactionErrorType;

/**
 * @example
 * await registerAuditor(client, { deployment }); // bonds the minimum
 */
export async function registerAuditor(
  client: ChainClient,
  { deployment, stakeWei, label = 'register auditor', onProgress }: RegisterAuditorParameters,
): Promise<RegisterAuditorReturnType> {
  const { registry, token } = deployment.contracts;
  const stake = stakeWei ?? (await readRegistryParameter(client, { deployment, name: 'auditorMinStake' }));
  await approveIfNeeded(client, { token, spender: registry, amount: stake, label: 'approve RBT', onProgress });
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'registerAuditor',
    args: [stake],
    label,
    onProgress,
  });
}
