/**
 * Reaching a chain: checks that an RPC answers and that a deployment file belongs to
 * the chain it serves, before any command relies on either.
 */
import { createPublicClient, http, type PublicClient } from 'viem';
import type { Deployment } from './deployment.ts';
import { DeploymentChainMismatchError, RpcUnreachableError } from './errors.ts';

/** How long an RPC may take to answer `eth_chainId` before we call it unreachable. */
const RPC_PROBE_TIMEOUT_MS = 5_000;

export type ChainConnection = { client: PublicClient; chainId: number; rpc: string };

/**
 * Connects to `rpc`, asks its chain id, and (if given) checks the deployment matches.
 *
 * @example
 * const { client, chainId } = await connectRpc('http://127.0.0.1:8545');
 */
export async function connectRpc(
  rpc: string,
  deployment?: { file: string; deployment: Deployment },
): Promise<ChainConnection> {
  const client = createPublicClient({ transport: http(rpc, { timeout: RPC_PROBE_TIMEOUT_MS, retryCount: 0 }) });
  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (cause) {
    throw new RpcUnreachableError({ rpc, cause });
  }
  if (deployment && deployment.deployment.chainId !== chainId) {
    throw new DeploymentChainMismatchError({
      file: deployment.file,
      expected: deployment.deployment.chainId,
      actual: chainId,
    });
  }
  return { client, chainId, rpc };
}
