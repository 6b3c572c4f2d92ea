/**
 * Ends the caller's jail (`ProviderRegistry.unjail`) once the epoch after the offline slash has come: a
 * provider that answers again takes itself off the jail list. Reverts as a `CallRevertedError` naming
 * `NotJailed` or `JailNotOver`.
 */
import type { Address, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type UnjailParameters = TransactionOptions & { registry: Address };
export type UnjailReturnType = TransactionReceipt;
export type UnjailErrorType = SendTransactionErrorType;

/**
 * @example
 * await unjail(client, { registry });
 */
export function unjail(
  client: ChainClient,
  { registry, label = 'unjail', onProgress }: UnjailParameters,
): Promise<UnjailReturnType> {
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'unjail',
    args: [],
    label,
    onProgress,
  });
}
