/**
 * Moves a proposal that succeeded into the timelock (`queue`) or, once the timelock delay is over,
 * runs it (`execute`). Both name the proposal by its calls and its description's hash, so one action.
 */
import { type Address, type Hex, keccak256, stringToHex, type TransactionReceipt } from 'viem';
import { bandexGovernorAbi } from '../abi/bandexGovernor.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type AdvanceProposalParameters = TransactionOptions & {
  deployment: Deployment;
  step: 'queue' | 'execute';
  /** The proposal as made: its calls and description. */
  proposal: { targets: readonly Address[]; values: readonly bigint[]; calldatas: readonly Hex[]; description: string };
};
export type AdvanceProposalReturnType = TransactionReceipt;
export type AdvanceProposalErrorType = SendTransactionErrorType;

/**
 * @example
 * await advanceProposal(client, { deployment, step: 'queue', proposal });
 * await advanceProposal(client, { deployment, step: 'execute', proposal }); // after the timelock delay
 */
export function advanceProposal(
  client: ChainClient,
  { deployment, step, proposal, label = `${step} proposal`, onProgress }: AdvanceProposalParameters,
): Promise<AdvanceProposalReturnType> {
  return sendTransaction(client, {
    address: deployment.contracts.governor,
    abi: bandexGovernorAbi,
    functionName: step,
    args: [proposal.targets, proposal.values, proposal.calldatas, keccak256(stringToHex(proposal.description))],
    label,
    onProgress,
  });
}
