/**
 * Proposes a slash to `ProviderRegistry.proposeSlash`: the report and the signatures of a quorum of the
 * epoch's committee over it, in ascending signer order (the contract's rule against duplicates). Nothing
 * moves until `finalizeSlash` after the dispute window. Reverts as a `CallRevertedError` naming
 * `QuorumNotReached`, `NotInCommittee`, `NotAnchored`, `EpochOutOfWindow` or `ReportAlreadyUsed`.
 */
import type { Address, Hex, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type ProposeSlashParameters = TransactionOptions & {
  /** The registry the report was signed for (its EIP-712 verifying contract). */
  registry: Address;
  report: { provider: Address; epoch: bigint; kind: number; evidence: Hex };
  /** Signatures over `report`, ascending by signer address. */
  signatures: readonly Hex[];
};
export type ProposeSlashReturnType = TransactionReceipt;
export type ProposeSlashErrorType = SendTransactionErrorType;

/**
 * @example
 * await proposeSlash(client, { registry, report, signatures: await orderSlashSignatures(domain, report, sigs) });
 */
export function proposeSlash(
  client: ChainClient,
  { registry, report, signatures, label = 'propose slash', onProgress }: ProposeSlashParameters,
): Promise<ProposeSlashReturnType> {
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'proposeSlash',
    args: [report, signatures],
    label,
    onProgress,
  });
}
