/**
 * Carries out a proposed slash after its dispute window (`ProviderRegistry.finalizeSlash`): `signers` are
 * the proposal's, as its `SlashProposed` event lists them. Anyone may call it. Reverts as a
 * `CallRevertedError` naming `DisputeWindowOpen`, `SlashNotPending` or `SignersMismatch`.
 */
import type { Address, Hex, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type FinalizeSlashParameters = TransactionOptions & {
  registry: Address;
  /** keccak256(abi.encode(provider, epoch)). */
  id: Hex;
  signers: readonly Address[];
};
export type FinalizeSlashReturnType = TransactionReceipt;
export type FinalizeSlashErrorType = SendTransactionErrorType;

/**
 * @example
 * await finalizeSlash(client, { registry, id, signers });
 */
export function finalizeSlash(
  client: ChainClient,
  { registry, id, signers, label = 'finalize slash', onProgress }: FinalizeSlashParameters,
): Promise<FinalizeSlashReturnType> {
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'finalizeSlash',
    args: [id, signers],
    label,
    onProgress,
  });
}
