/**
 * Proven served volume from VolumeLedger: one provider's or the whole network's, for one epoch, and the
 * epoch now running. Figures are what `claimVolume` accepted: bytes and value (RBT wei) of receipts proven
 * in zero knowledge, each channel counted once.
 */
import type { Address } from 'viem';
import { readContract } from 'viem/actions';
import { volumeLedgerAbi } from '../abi/volumeLedger.ts';
import type { ReadClient } from '../chainClient.ts';
import type { Deployment } from '../deployment.ts';
import { DeployError } from '../errors.ts';

export type Volume = { bytes: bigint; value: bigint };

/** The deployment's VolumeLedger, or a `DeployError` saying the deployment predates it. */
export function requireVolumeLedger(deployment: Deployment): Address {
  const address = deployment.contracts.volumeLedger;
  if (!address)
    throw new DeployError({
      reason: `the deployment of chain ${deployment.chainId} has no VolumeLedger`,
      details: 'redeploy with this version (`bandex deploy`) to get served-volume proofs',
    });
  return address;
}

/**
 * @example
 * const { bytes, value } = await readVolume(client, { deployment, epoch: 41n }); // the network's
 * const mine = await readVolume(client, { deployment, epoch: 41n, provider });
 */
export async function readVolume(
  client: ReadClient,
  { deployment, epoch, provider }: { deployment: Deployment; epoch: bigint; provider?: Address },
): Promise<Volume> {
  const address = requireVolumeLedger(deployment);
  const [bytes, value] = provider
    ? await readContract(client, { address, abi: volumeLedgerAbi, functionName: 'volumeOf', args: [provider, epoch] })
    : await readContract(client, { address, abi: volumeLedgerAbi, functionName: 'totalVolume', args: [epoch] });
  return { bytes, value };
}

/** The running epoch and the ledger's epoch length and claim window. */
export async function readVolumeEpoch(
  client: ReadClient,
  { deployment }: { deployment: Deployment },
): Promise<{ current: bigint; epochLength: bigint; claimWindow: bigint }> {
  const address = requireVolumeLedger(deployment);
  const read = (functionName: 'currentEpoch' | 'epochLength' | 'claimWindow') =>
    readContract(client, { address, abi: volumeLedgerAbi, functionName });
  const [current, epochLength, claimWindow] = await Promise.all([
    read('currentEpoch'),
    read('epochLength'),
    read('claimWindow'),
  ]);
  return { current, epochLength, claimWindow };
}
