/**
 * The embedded chain as one unit: anvil on loopback, the Bandex contracts deployed by
 * anvil's first dev account through the deterministic deployer, and the deployment
 * file written. Used by `bandex chain`, `bandex devnet` and the tests.
 */
import type { Logger } from '../log/logger.ts';
import { silentLogger } from '../log/logger.ts';
import { type Anvil, type StartAnvilParameters, startAnvil } from './anvil.ts';
import { createChainClient } from './chainClient.ts';
import { deployBandex } from './deployBandex.ts';
import { type Deployment, deploymentPath, writeDeployment } from './deployment.ts';
import type { DeployParameters } from './deployPresets.ts';
import { DEV_ACCOUNT_INDEX, devAccount } from './devAccounts.ts';

export type EmbeddedChain = {
  anvil: Anvil;
  deployment: Deployment;
  /** Where the deployment file was written. */
  deploymentFile: string;
  stop(): Promise<void>;
};

export type StartEmbeddedChainParameters = StartAnvilParameters & {
  /** Folder for `<chainId>.json`. */
  deploymentsDir: string;
  /** Parameters that differ from the devnet preset's. */
  overrides?: Partial<DeployParameters>;
  logger?: Logger;
};

export async function startEmbeddedChain(params: StartEmbeddedChainParameters): Promise<EmbeddedChain> {
  const logger = params.logger ?? silentLogger;
  const anvil = await startAnvil(params);
  logger.info({ rpc: anvil.rpcUrl, chainId: anvil.chainId }, 'embedded chain listening');
  try {
    const client = createChainClient(anvil.rpcUrl, devAccount(DEV_ACCOUNT_INDEX.deployer));
    const deployment = await deployBandex({ client, logger, overrides: params.overrides });
    const deploymentFile = writeDeployment(deploymentPath(params.deploymentsDir, anvil.chainId), deployment);
    logger.info({ file: deploymentFile }, 'deployment file written');
    return { anvil, deployment, deploymentFile, stop: () => anvil.stop() };
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}
