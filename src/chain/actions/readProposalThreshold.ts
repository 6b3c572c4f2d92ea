/** The votes an account needs to make a governance proposal. */
import { readContract } from 'viem/actions';
import { bandexGovernorAbi } from '../abi/bandexGovernor.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type ReadProposalThresholdParameters = { deployment: Deployment };
/** RBT wei of votes. */
export type ReadProposalThresholdReturnType = bigint;
export type ReadProposalThresholdErrorType = Error;

/**
 * @example
 * const threshold = await readProposalThreshold(client, { deployment });
 */
export function readProposalThreshold(
  client: ReadClient,
  { deployment }: ReadProposalThresholdParameters,
): Promise<ReadProposalThresholdReturnType> {
  return readContract(client, {
    address: deployment.contracts.governor,
    abi: bandexGovernorAbi,
    functionName: 'proposalThreshold',
  });
}
