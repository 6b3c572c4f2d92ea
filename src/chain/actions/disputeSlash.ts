/**
 * Answers a proposed slash with counter-evidence (`ProviderRegistry.disputeSlash`): the audit reports its
 * evidence names (ascending digests), the index of the report contradicted, and a receipt (checkpoint
 * `checkpoint` of the report's probe session) signed by that report's probe payer acknowledging more than
 * the report says was received. Reverts as a
 * `CallRevertedError` naming `EvidenceMismatch`, `NotContradicting`, `NotSignedByPayer`,
 * `DisputeWindowClosed` or `SlashNotPending`.
 */
import type { Address, Hex, TransactionReceipt } from 'viem';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ChainClient } from '../chainClient.ts';
import type { RegistryReceipt } from '../typedData.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** The registry's `AuditReport` as the contract takes it. */
export type OnChainAuditReport = {
  auditor: Address;
  provider: Address;
  epoch: bigint;
  probesSent: number;
  probesDelivered: number;
  rttMicros: number;
  throughputBps: bigint;
  claimedBps: bigint;
  sessionsAttempted: number;
  sessionsServed: number;
  probePayer: Address;
  probeSession: Hex;
  bytesReceived: bigint;
};

export type DisputeSlashParameters = TransactionOptions & {
  registry: Address;
  id: Hex;
  reports: readonly OnChainAuditReport[];
  index: number;
  /** The receipt's checkpoint number in the probe session (its `sessionId` is `checkpointIdOf(session, it)`). */
  checkpoint: number;
  receipt: RegistryReceipt;
  payerSignature: Hex;
};
export type DisputeSlashReturnType = TransactionReceipt;
export type DisputeSlashErrorType = SendTransactionErrorType;

/**
 * @example
 * await disputeSlash(client, { registry, id, reports, index, checkpoint, receipt, payerSignature });
 */
export function disputeSlash(
  client: ChainClient,
  {
    registry,
    id,
    reports,
    index,
    checkpoint,
    receipt,
    payerSignature,
    label = 'dispute slash',
    onProgress,
  }: DisputeSlashParameters,
): Promise<DisputeSlashReturnType> {
  return sendTransaction(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'disputeSlash',
    args: [id, reports, BigInt(index), BigInt(checkpoint), receipt, payerSignature],
    label,
    onProgress,
  });
}
