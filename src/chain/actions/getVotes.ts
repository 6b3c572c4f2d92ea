/**
 * Voting weight in governance: the RBT delegated to an account now (from the token), or at a past
 * timepoint such as a proposal's snapshot (from the governor, which is what a vote counts).
 */
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { bandexGovernorAbi } from '../abi/bandexGovernor.ts';
import { bandwidthTokenAbi } from '../abi/bandwidthToken.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type GetVotesParameters = {
  deployment: Deployment;
  account: Address;
  /** A past timestamp (the governor's clock); omitted = the votes now. */
  timepoint?: bigint;
};
export type GetVotesReturnType = bigint;
export type GetVotesErrorType = Error;

/**
 * @example
 * const weight = await getVotes(client, { deployment, account, timepoint: proposal.voteStart });
 */
export function getVotes(
  client: ReadClient,
  { deployment, account, timepoint }: GetVotesParameters,
): Promise<GetVotesReturnType> {
  if (timepoint === undefined)
    return readContract(client, {
      address: deployment.contracts.token,
      abi: bandwidthTokenAbi,
      functionName: 'getVotes',
      args: [account],
    });
  return readContract(client, {
    address: deployment.contracts.governor,
    abi: bandexGovernorAbi,
    functionName: 'getVotes',
    args: [account, timepoint],
  });
}
