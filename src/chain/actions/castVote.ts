/** Casts the account's vote on an active proposal, with a reason (which may be empty). */
import type { TransactionReceipt } from 'viem';
import { bandexGovernorAbi } from '../abi/bandexGovernor.ts';
import type { ChainClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { type SendTransactionErrorType, sendTransaction, type TransactionOptions } from './sendTransaction.ts';

/** OpenZeppelin's `GovernorCountingSimple` support values. */
export const VOTE_SUPPORT = { against: 0, for: 1, abstain: 2 } as const;

export type CastVoteParameters = TransactionOptions & {
  deployment: Deployment;
  proposalId: bigint;
  support: keyof typeof VOTE_SUPPORT;
  reason?: string;
};
export type CastVoteReturnType = TransactionReceipt;
export type CastVoteErrorType = SendTransactionErrorType;

/**
 * @example
 * await castVote(client, { deployment, proposalId, support: 'for', reason: 'cheaper fees' });
 */
export function castVote(
  client: ChainClient,
  { deployment, proposalId, support, reason = '', label = `vote ${support}`, onProgress }: CastVoteParameters,
): Promise<CastVoteReturnType> {
  return sendTransaction(client, {
    address: deployment.contracts.governor,
    abi: bandexGovernorAbi,
    functionName: 'castVoteWithReason',
    args: [proposalId, VOTE_SUPPORT[support], reason],
    label,
    onProgress,
  });
}
