/** An auditor's registry record: registered or not, and its bonded stake. */
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { providerRegistryAbi } from '../abi/providerRegistry.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';

export type GetAuditorParameters = { deployment: Deployment; auditor: Address };
export type GetAuditorReturnType = { registered: boolean; bonded: bigint };
export type GetAuditorErrorType = Error;

/**
 * @example
 * const { registered, bonded } = await getAuditor(client, { deployment, auditor: address });
 */
export async function getAuditor(
  client: ReadClient,
  { deployment, auditor }: GetAuditorParameters,
): Promise<GetAuditorReturnType> {
  const record = await readContract(client, {
    address: deployment.contracts.registry,
    abi: providerRegistryAbi,
    functionName: 'getAuditor',
    args: [auditor],
  });
  return { registered: record.registered, bonded: record.bonded };
}
