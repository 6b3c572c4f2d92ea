/**
 * Registers the wallet's account as an auditor, bonding `stakeWei` RBT (default: the registry's
 * minimum auditor stake); approves the registry first when the allowance is short.
 */
import { bandwidthTokenAbi } from './abi/bandwidthToken.ts';
import { providerRegistryAbi } from './abi/providerRegistry.ts';
import type { ChainClient } from './chainClient.ts';
import type { Deployment } from './deployment.ts';
import { sendAndWait } from './sendAndWait.ts';

export async function registerAuditor({
  client,
  deployment,
  stakeWei,
}: {
  client: ChainClient;
  deployment: Deployment;
  stakeWei?: bigint;
}): Promise<void> {
  const { registry, token } = deployment.contracts;
  const stake =
    stakeWei ??
    (await client.readContract({ address: registry, abi: providerRegistryAbi, functionName: 'auditorMinStake' }));
  const allowance = await client.readContract({
    address: token,
    abi: bandwidthTokenAbi,
    functionName: 'allowance',
    args: [client.account.address, registry],
  });
  if (allowance < stake) {
    await sendAndWait(client, {
      address: token,
      abi: bandwidthTokenAbi,
      functionName: 'approve',
      args: [registry, stake],
    });
  }
  await sendAndWait(client, {
    address: registry,
    abi: providerRegistryAbi,
    functionName: 'registerAuditor',
    args: [stake],
  });
}
