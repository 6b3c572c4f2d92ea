/**
 * Makes a governance proposal: calls to run through the timelock if it passes, and a description
 * (whose hash, with the calls, identifies the proposal for `queueProposal` and `executeProposal`).
 */
import { type Address, type Hex, parseEventLogs, type TransactionReceipt } from 'viem';
import { bandexGovernorAbi } from '../abi/bandexGovernor.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type ProposeParameters = TransactionOptions & {
  deployment: Deployment;
  targets: readonly Address[];
  /** Wei sent with each call (0 for the Bandex contracts). */
  values: readonly bigint[];
  calldatas: readonly Hex[];
  description: string;
};
export type ProposeReturnType = {
  /** From the `ProposalCreated` event; undefined if the receipt carries none. */
  created: { proposalId: bigint; voteStart: bigint; voteEnd: bigint } | undefined;
  receipt: TransactionReceipt;
};
export type ProposeErrorType = SendTransactionErrorType;

/**
 * @example
 * const { created } = await propose(client, { deployment, targets: [channels], values: [0n], calldatas: [data], description });
 */
export async function propose(
  client: ChainClient,
  { deployment, targets, values, calldatas, description, label = 'propose', onProgress }: ProposeParameters,
): Promise<ProposeReturnType> {
  const receipt = await sendTransaction(client, {
    address: deployment.contracts.governor,
    abi: bandexGovernorAbi,
    functionName: 'propose',
    args: [targets, values, calldatas, description],
    label,
    onProgress,
  });
  const [event] = parseEventLogs({ abi: bandexGovernorAbi, logs: receipt.logs, eventName: 'ProposalCreated' });
  const created = event && {
    proposalId: event.args.proposalId,
    voteStart: event.args.voteStart,
    voteEnd: event.args.voteEnd,
  };
  return { created, receipt };
}
