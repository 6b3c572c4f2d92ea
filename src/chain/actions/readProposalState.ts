/**
 * The governor's view of one proposal: its state, the votes cast, when the timelock releases it, and
 * the quorum (fixed at the snapshot, so readable only once the snapshot has passed).
 */
import { getBlock, readContract } from 'viem/actions';
import { bandexGovernorAbi } from '../abi/bandexGovernor.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type ReadProposalStateParameters = {
  deployment: Deployment;
  proposalId: bigint;
  /** The proposal's snapshot (its `voteStart`), where its quorum is fixed. */
  voteStart: bigint;
};
export type ReadProposalStateReturnType = {
  /** OpenZeppelin's `IGovernor.ProposalState`, by value. */
  state: number;
  votes: { against: bigint; for: bigint; abstain: bigint };
  /** Seconds since the epoch when the timelock releases it; 0 if not queued. */
  eta: bigint;
  /** Votes needed; null before the snapshot. */
  quorum: bigint | null;
  /** The latest block's timestamp, at which the state was read. */
  now: bigint;
};
export type ReadProposalStateErrorType = Error;

/**
 * @example
 * const { state, votes, quorum } = await readProposalState(client, { deployment, proposalId, voteStart });
 */
export async function readProposalState(
  client: ReadClient,
  { deployment, proposalId, voteStart }: ReadProposalStateParameters,
): Promise<ReadProposalStateReturnType> {
  const governor = { address: deployment.contracts.governor, abi: bandexGovernorAbi } as const;
  const [state, [against, forVotes, abstain], eta, block] = await Promise.all([
    readContract(client, { ...governor, functionName: 'state', args: [proposalId] }),
    readContract(client, { ...governor, functionName: 'proposalVotes', args: [proposalId] }),
    readContract(client, { ...governor, functionName: 'proposalEta', args: [proposalId] }),
    getBlock(client),
  ]);
  const quorum =
    block.timestamp > voteStart
      ? await readContract(client, { ...governor, functionName: 'quorum', args: [voteStart] })
      : null;
  return { state, votes: { against, for: forVotes, abstain }, eta, quorum, now: block.timestamp };
}
