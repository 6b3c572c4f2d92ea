/**
 * The local network that `npm start` runs: the embedded chain with the contracts, and
 * (as the tunnel, audit and operator parts land) providers, an auditor and a client.
 * Everything runs on loopback; `stop()` ends every process it started.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address } from 'viem';
import { startEmbeddedChain } from '../chain/startEmbeddedChain.ts';
import { type Logger, silentLogger } from '../log/logger.ts';

/** The devnet's JSON line (`bandex devnet --json`). Later parts add their endpoints here. */
export type DevnetInfo = {
  rpc: string;
  chainId: number;
  contracts: { token: Address; curve: Address; registry: Address; channels: Address; governor: Address };
  deployment: string;
  stateDir: string;
};

export type Devnet = { info: DevnetInfo; stop(): Promise<void> };

export type StartDevnetParameters = { port?: number; stateDir?: string; logger?: Logger };

export async function startDevnet(params: StartDevnetParameters = {}): Promise<Devnet> {
  const logger = params.logger ?? silentLogger;
  const stateDir = params.stateDir ?? mkdtempSync(join(tmpdir(), 'bandex-devnet-'));
  const chain = await startEmbeddedChain({
    port: params.port ?? 0,
    deploymentsDir: join(stateDir, 'deployments'),
    logger,
  });
  const { token, curve, registry, channels, governor } = chain.deployment.contracts;
  const info: DevnetInfo = {
    rpc: chain.anvil.rpcUrl,
    chainId: chain.anvil.chainId,
    contracts: { token, curve, registry, channels, governor },
    deployment: chain.deploymentFile,
    stateDir,
  };
  return { info, stop: () => chain.stop() };
}
