/**
 * Served-volume writes of a provider: commit its volume key once (`registerProviderKey`), and submit a proven
 * claim (`claimVolume`). VolumeLedger reverts `InvalidProof` when the verifier says no, so gas estimation
 * sees a failure instead of a cheap `false` (a snarkjs verifier returns false when the pairing precompile
 * runs out of gas, which misleads `eth_estimateGas` into too low a figure).
 */
import type { Address, TransactionReceipt } from 'viem';
import { readContract } from 'viem/actions';
import { volumeLedgerAbi } from '../abi/volumeLedger.ts';
import type { ChainClient, ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { requireVolumeLedger } from './readVolume.ts';
import { sendTransaction, type TransactionOptions } from './sendTransaction.ts';

export type ClaimVolumeParameters = TransactionOptions & {
  deployment: Deployment;
  /** Whose volume (the proof binds it); any account may send the claim. */
  provider: Address;
  epoch: bigint;
  root: bigint;
  nullifiers: readonly bigint[];
  bytes: bigint;
  value: bigint;
  /** `[pA0, pA1, pB00, pB01, pB10, pB11, pC0, pC1]`. */
  proof: readonly bigint[];
};

/**
 * @example
 * await claimVolume(client, { deployment, provider, epoch, root, nullifiers, bytes, value, proof });
 */
export function claimVolume(
  client: ChainClient,
  {
    deployment,
    provider,
    epoch,
    root,
    nullifiers,
    bytes,
    value,
    proof,
    label = 'claim served volume',
    onProgress,
  }: ClaimVolumeParameters,
): Promise<TransactionReceipt> {
  return sendTransaction(client, {
    address: requireVolumeLedger(deployment),
    abi: volumeLedgerAbi,
    functionName: 'claimVolume',
    args: [provider, epoch, root, nullifiers as never, bytes, value, proof as never],
    label,
    onProgress,
  });
}

/** Commits `Poseidon(secret)` for the sending account (once; `providerVolumeKey` reads it). */
export function registerProviderVolumeKey(
  client: ChainClient,
  {
    deployment,
    key,
    label = 'register provider volume key',
    onProgress,
  }: TransactionOptions & { deployment: Deployment; key: bigint },
): Promise<TransactionReceipt> {
  return sendTransaction(client, {
    address: requireVolumeLedger(deployment),
    abi: volumeLedgerAbi,
    functionName: 'registerProviderKey',
    args: [key],
    label,
    onProgress,
  });
}

/** The provider's committed volume key (0 = none yet). */
export function providerVolumeKey(
  client: ReadClient,
  { deployment, provider }: { deployment: Deployment; provider: Address },
): Promise<bigint> {
  return readContract(client, {
    address: requireVolumeLedger(deployment),
    abi: volumeLedgerAbi,
    functionName: 'providerKey',
    args: [provider],
  });
}
