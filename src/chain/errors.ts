/** Errors of chain access: starting the embedded chain, reaching an RPC, deployment files. */
import { BaseError } from '../errors/BaseError.ts';

export class ChainPortInUseError extends BaseError<{ host: string; port: number }> {
  override name = 'ChainPortInUseError';
  constructor(host: string, port: number) {
    super(`port ${port} on ${host} is already in use`, {
      code: 'CHAIN_PORT_IN_USE',
      details: 'choose another with --port, or --port 0 to pick a free one',
      meta: { host, port },
    });
  }
}

export class AnvilStartError extends BaseError<{ output: string }> {
  override name = 'AnvilStartError';
  constructor(reason: string, output: string, cause?: unknown) {
    super(`the embedded chain (anvil) did not start: ${reason}`, {
      code: 'CHAIN_START_FAILED',
      details: output.trim().split('\n').slice(-3).join(' | ') || 'reinstall with `npm install` if anvil is missing',
      meta: { output },
      cause,
    });
  }
}

export class RpcUnreachableError extends BaseError<{ rpc: string }> {
  override name = 'RpcUnreachableError';
  constructor(rpc: string, cause?: unknown) {
    super(`cannot reach the RPC at ${rpc}`, {
      code: 'CHAIN_RPC_UNREACHABLE',
      details: 'check the URL and that the node is running, or omit --rpc to use the embedded chain',
      meta: { rpc },
      cause,
    });
  }
}

export class DeploymentChainMismatchError extends BaseError<{ file: string; expected: number; actual: number }> {
  override name = 'DeploymentChainMismatchError';
  constructor(file: string, deploymentChainId: number, rpcChainId: number) {
    super(`deployment file ${file} is for chain ${deploymentChainId} but the RPC serves chain ${rpcChainId}`, {
      code: 'CHAIN_DEPLOYMENT_MISMATCH',
      details: `pass the deployment file of chain ${rpcChainId} (deployments/${rpcChainId}.json), or the RPC of chain ${deploymentChainId}`,
      meta: { file, expected: deploymentChainId, actual: rpcChainId },
    });
  }
}

export class DeploymentFileError extends BaseError<{ file: string }> {
  override name = 'DeploymentFileError';
  constructor(file: string, reason: string, cause?: unknown) {
    super(`deployment file ${file} is unusable: ${reason}`, {
      code: 'CHAIN_DEPLOYMENT_INVALID',
      details: 'write one with `bandex deploy` (or `bandex chain` for the embedded chain)',
      meta: { file },
      cause,
    });
  }
}

export class DeployError extends BaseError {
  override name = 'DeployError';
  constructor(reason: string, details: string, cause?: unknown) {
    super(`deployment failed: ${reason}`, { code: 'CHAIN_DEPLOY_FAILED', details, cause });
  }
}
