/**
 * The deployment file: where the Bandex contracts live on one chain. `bandex chain`
 * and `bandex deploy` write it as `deployments/<chainId>.json`; every command that
 * talks to a chain reads it with `--deployment FILE` (or finds it by chain id).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Address, isAddress } from 'viem';
import { DeploymentFileError } from './errors.ts';

export const DEPLOYMENT_FORMAT_VERSION = 1;

export const CONTRACT_NAMES = [
  'token',
  'curve',
  'reserve',
  'registry',
  'channels',
  'governor',
  'timelock',
  'budgets',
  'pool',
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];
/** Contracts a deployment may lack (deployed by a later version); readers check before use. */
export const OPTIONAL_CONTRACT_NAMES = ['volumeLedger'] as const;
export type OptionalContractName = (typeof OPTIONAL_CONTRACT_NAMES)[number];

export type Deployment = {
  format: typeof DEPLOYMENT_FORMAT_VERSION;
  chainId: number;
  /** Block of the first deployment transaction: event scans start here. */
  deploymentBlock: number;
  /** Digest of the ABIs the contracts were deployed with (`src/chain/abi/abiVersion.ts`). */
  abiVersion: string;
  deployer: Address;
  contracts: Record<ContractName, Address> & Partial<Record<OptionalContractName, Address>>;
  /** The parameter preset deployed with (`custom` when some were overridden); absent in older files. */
  preset?: string;
  /** Every parameter the contracts were born with, as decimal strings (`deployPresets.ts`). */
  parameters?: Record<string, string>;
};

/** `deployments/<chainId>.json` under `dir`. */
export function deploymentPath(dir: string, chainId: number): string {
  return join(dir, `${chainId}.json`);
}

/** Writes atomically (temp file + rename) and returns the path. */
export function writeDeployment(file: string, deployment: Deployment): string {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(temp, file);
  return file;
}

/** Reads and validates a deployment file; throws `DeploymentFileError` saying what is wrong. */
export function readDeployment(file: string): Deployment {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not valid JSON';
    throw new DeploymentFileError({ file, reason, cause });
  }
  return parseDeployment(file, raw);
}

export function parseDeployment(file: string, raw: unknown): Deployment {
  if (typeof raw !== 'object' || raw === null) throw new DeploymentFileError({ file, reason: 'not a JSON object' });
  const value = raw as Record<string, unknown>;
  if (value.format !== DEPLOYMENT_FORMAT_VERSION)
    throw new DeploymentFileError({
      file,
      reason: `format ${String(value.format)} is not ${DEPLOYMENT_FORMAT_VERSION}`,
    });
  if (!Number.isSafeInteger(value.chainId) || (value.chainId as number) <= 0)
    throw new DeploymentFileError({ file, reason: 'chainId must be a positive integer' });
  if (!Number.isSafeInteger(value.deploymentBlock) || (value.deploymentBlock as number) < 0)
    throw new DeploymentFileError({ file, reason: 'deploymentBlock must be a non-negative integer' });
  if (typeof value.abiVersion !== 'string') throw new DeploymentFileError({ file, reason: 'abiVersion is missing' });
  if (typeof value.deployer !== 'string' || !isAddress(value.deployer))
    throw new DeploymentFileError({ file, reason: 'deployer is not an address' });
  const contracts = value.contracts as Record<string, unknown> | undefined;
  if (typeof contracts !== 'object' || contracts === null)
    throw new DeploymentFileError({ file, reason: 'contracts is missing' });
  for (const name of CONTRACT_NAMES) {
    const address = contracts[name];
    if (typeof address !== 'string' || !isAddress(address))
      throw new DeploymentFileError({ file, reason: `contracts.${name} is not an address` });
  }
  for (const name of OPTIONAL_CONTRACT_NAMES) {
    const address = contracts[name];
    if (address !== undefined && (typeof address !== 'string' || !isAddress(address)))
      throw new DeploymentFileError({ file, reason: `contracts.${name} is not an address` });
  }
  if (value.preset !== undefined && typeof value.preset !== 'string')
    throw new DeploymentFileError({ file, reason: 'preset is not a string' });
  const parameters = value.parameters as Record<string, unknown> | undefined;
  if (
    parameters !== undefined &&
    (typeof parameters !== 'object' ||
      parameters === null ||
      Object.values(parameters).some((v) => typeof v !== 'string'))
  )
    throw new DeploymentFileError({ file, reason: 'parameters must map names to decimal strings' });
  return value as unknown as Deployment;
}
