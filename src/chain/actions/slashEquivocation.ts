/**
 * Submits provider equivocation to `ProviderRegistry.slashEquivocation`: two different receipts for one
 * checkpoint id (the struct's `sessionId`), both signed by `provider`. The reward goes to the sender.
 * Reverts as a `CallRevertedError` naming `SessionMismatch`, `NotEquivocation`, `NotSignedByProvider` or
 * `EquivocationAlreadySlashed`.
 */
import type { Address, Hex, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { RegistryReceipt } from '../typedData.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type SlashEquivocationParameters = TransactionOptions & {
  registry: Address;
  provider: Address;
  a: RegistryReceipt;
  signatureA: Hex;
  b: RegistryReceipt;
  signatureB: Hex;
};
export type SlashEquivocationReturnType = TransactionReceipt;
export type SlashEquivocationErrorType = SendTransactionErrorType;

/**
 * @example
 * await slashEquivocation(client, { registry: deployment.contracts.registry, provider, a, signatureA, b, signatureB });
 */
export function slashEquivocation(
  client: ChainClient,
  {
    registry,
    provider,
    a,
    signatureA,
    b,
    signatureB,
    label = 'slashEquivocation',
    onProgress,
  }: SlashEquivocationParameters,
): Promise<SlashEquivocationReturnType> {
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'slashEquivocation',
    args: [provider, a, signatureA, b, signatureB],
    label,
    onProgress,
  });
}
