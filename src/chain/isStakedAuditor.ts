/** Whether `who` is a registered auditor with at least the registry's minimum auditor stake. */
import type { Address } from 'viem';
import { providerRegistryAbi } from './abi/providerRegistry.ts';
import type { ChainClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';

export async function isStakedAuditor(client: ChainClient, deployment: Deployment, who: Address): Promise<boolean> {
  const contract = { address: deployment.contracts.registry, abi: providerRegistryAbi } as const;
  const [auditor, minimum] = await Promise.all([
    client.readContract({ ...contract, functionName: 'getAuditor', args: [who] }),
    client.readContract({ ...contract, functionName: 'auditorMinStake' }),
  ]);
  return auditor.registered && auditor.bonded >= minimum;
}
