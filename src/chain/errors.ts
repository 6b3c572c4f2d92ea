/**
 * Errors of chain access: starting the embedded chain, reaching an RPC, deployment files, and the
 * failures of contract calls (a simulated revert with the contract's own error, a mined revert).
 */
import type { Hash } from 'viem';
import { BaseError } from '../errors/BaseError.ts';
import { DEFAULT_REVERT_HINT, REVERT_HINTS } from './revertHints.ts';

export class ChainPortInUseError extends BaseError<{ host: string; port: number }> {
  override name = 'ChainPortInUseError';
  constructor({ host, port }: { host: string; port: number }) {
    super(`port ${port} on ${host} is already in use`, {
      code: 'CHAIN_PORT_IN_USE',
      details: 'choose another with --port, or --port 0 to pick a free one',
      meta: { host, port },
    });
  }
}

export class AnvilStartError extends BaseError<{ output: string }> {
  override name = 'AnvilStartError';
  constructor({ reason, output, cause }: { reason: string; output: string; cause?: unknown }) {
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
  constructor({ rpc, cause }: { rpc: string; cause?: unknown }) {
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
  /** `expected`: the deployment file's chain; `actual`: the chain the RPC serves. */
  constructor({ file, expected, actual }: { file: string; expected: number; actual: number }) {
    super(`deployment file ${file} is for chain ${expected} but the RPC serves chain ${actual}`, {
      code: 'CHAIN_DEPLOYMENT_MISMATCH',
      details: `pass the deployment file of chain ${actual} (deployments/${actual}.json), or the RPC of chain ${expected}`,
      meta: { file, expected, actual },
    });
  }
}

export class DeploymentFileError extends BaseError<{ file: string }> {
  override name = 'DeploymentFileError';
  constructor({ file, reason, cause }: { file: string; reason: string; cause?: unknown }) {
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
  constructor({ reason, details, cause }: { reason: string; details: string; cause?: unknown }) {
    super(`deployment failed: ${reason}`, { code: 'CHAIN_DEPLOY_FAILED', details, cause });
  }
}

export type CallRevertedErrorMeta = {
  /** What the caller was doing, e.g. `buy RBT` (the function name when not given). */
  label: string;
  /** The contract's custom error, e.g. `SlippageExceeded`, when it could be decoded. */
  errorName?: string;
  /** The custom error's arguments (the numbers it carries). */
  errorArgs?: readonly unknown[];
};

/** A contract call would revert: found by simulating it, so nothing was signed or sent. */
export class CallRevertedError extends BaseError<CallRevertedErrorMeta> {
  override name = 'CallRevertedError';
  constructor({
    label,
    errorName,
    errorArgs,
    reason,
    cause,
  }: CallRevertedErrorMeta & { reason?: string; cause?: unknown }) {
    const call = errorName ? `${errorName}(${(errorArgs ?? []).map(String).join(', ')})` : (reason ?? 'unknown reason');
    super(`${label} would fail on chain: ${call}`, {
      code: 'CHAIN_CALL_REVERTED',
      details: (errorName && REVERT_HINTS[errorName]) || DEFAULT_REVERT_HINT,
      meta: { label, errorName, errorArgs },
      cause,
    });
  }
}

/** A sent transaction reverted although its simulation passed. */
export class TransactionRevertedError extends BaseError<{ label: string; hash: Hash }> {
  override name = 'TransactionRevertedError';
  constructor({ label, hash }: { label: string; hash: Hash }) {
    super(`${label} reverted on chain (transaction ${hash})`, {
      code: 'CHAIN_TX_REVERTED',
      details: 'the chain state changed between simulation and inclusion; try again',
      meta: { label, hash },
    });
  }
}

/** An action's argument is out of the range the contract accepts; nothing was sent. */
export class InvalidArgumentError extends BaseError<{ name: string; value: string }> {
  override name = 'InvalidArgumentError';
  constructor({ name, value, expected }: { name: string; value: unknown; expected: string }) {
    super(`${name} ${String(value)} is not ${expected}`, {
      code: 'CHAIN_INVALID_ARGUMENT',
      meta: { name, value: String(value) },
    });
  }
}

/** The account cannot do what an action needs (e.g. a JSON-RPC account cannot sign a permit locally). */
export class AccountUnsupportedError extends BaseError<{ needs: string }> {
  override name = 'AccountUnsupportedError';
  constructor({ needs }: { needs: string }) {
    super(`the account cannot ${needs}`, {
      code: 'CHAIN_ACCOUNT_UNSUPPORTED',
      details: 'use a local key or keystore account',
      meta: { needs },
    });
  }
}
