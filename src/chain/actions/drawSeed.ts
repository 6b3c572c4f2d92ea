/**
 * Draws the committee seeds of the current and the next epoch (`ProviderRegistry.drawSeed`), if not drawn
 * yet: auditors call it early in every epoch, so the next epoch's committees are fixed before it starts.
 */
import type { Address, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type DrawSeedParameters = TransactionOptions & { registry: Address };
export type DrawSeedReturnType = TransactionReceipt;
export type DrawSeedErrorType = SendTransactionErrorType;

/**
 * @example
 * await drawSeed(client, { registry });
 */
export function drawSeed(
  client: ChainClient,
  { registry, label = 'draw seed', onProgress }: DrawSeedParameters,
): Promise<DrawSeedReturnType> {
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'drawSeed',
    args: [],
    label,
    onProgress,
  });
}
