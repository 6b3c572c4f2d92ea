/** Whether an account is a registered auditor with at least the registry's minimum auditor stake. */
import type { Address } from 'viem';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { getAuditor } from './getAuditor.ts';
import { readRegistryParameter } from './readRegistryParameter.ts';

export type IsStakedAuditorParameters = { deployment: Deployment; auditor: Address };
export type IsStakedAuditorReturnType = boolean;
export type IsStakedAuditorErrorType = Error;

/**
 * @example
 * if (!(await isStakedAuditor(client, { deployment, auditor: signer }))) return; // ignore its report
 */
export async function isStakedAuditor(
  client: ReadClient,
  { deployment, auditor }: IsStakedAuditorParameters,
): Promise<IsStakedAuditorReturnType> {
  const [record, minimum] = await Promise.all([
    getAuditor(client, { deployment, auditor }),
    readRegistryParameter(client, { deployment, name: 'auditorMinStake' }),
  ]);
  return record.registered && record.bonded >= minimum;
}
