/**
 * Submits a slash to `ProviderRegistry.slash`: the report and the quorum's signatures over it, which
 * must come in ascending signer order (the contract's rule against duplicates). Reverts as a
 * `CallRevertedError` naming `QuorumNotReached`, `ReportAlreadyUsed` or `NotStakedAuditor`.
 */
import type { Address, Hex, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type SlashProviderParameters = TransactionOptions & {
  /** The registry the report was signed for (its EIP-712 verifying contract). */
  registry: Address;
  report: { provider: Address; epoch: bigint; kind: number; evidence: Hex };
  /** Signatures over `report`, ascending by signer address. */
  signatures: readonly Hex[];
};
export type SlashProviderReturnType = TransactionReceipt;
export type SlashProviderErrorType = SendTransactionErrorType;

/**
 * @example
 * await slashProvider(client, { registry, report, signatures: await orderSlashSignatures(domain, report, sigs) });
 */
export function slashProvider(
  client: ChainClient,
  { registry, report, signatures, label = 'slash', onProgress }: SlashProviderParameters,
): Promise<SlashProviderReturnType> {
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'slash',
    args: [report, signatures],
    label,
    onProgress,
  });
}
