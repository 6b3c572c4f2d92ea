/**
 * Deploys the served-volume contracts: the Poseidon libraries (public library functions, so their
 * addresses are linked into VolumeLedger's bytecode), the circuit's generated Groth16 verifier, and
 * VolumeLedger over the payment channels, each through the CREATE2 factory (a re-run finds them).
 */
import type { Address } from 'viem';
import { poseidonT3Bytecode } from './abi/poseidonT3.ts';
import { poseidonT6Bytecode } from './abi/poseidonT6.ts';
import { servedVolumeVerifierAbi, servedVolumeVerifierBytecode } from './abi/servedVolumeVerifier.ts';
import { volumeLedgerAbi, volumeLedgerBytecode, volumeLedgerLibraries } from './abi/volumeLedger.ts';
import type { ChainClient } from './chainClient.ts';
import { deployDeterministic, linkBytecode } from './deployDeterministic.ts';

/** Epochs after its end that an epoch still takes volume claims (then its totals are final). */
export const VOLUME_CLAIM_WINDOW_EPOCHS = 8n;

export type DeployVolumeLedgerParameters = {
  channels: Address;
  /** Seconds per volume epoch (the deployment's audit epoch). */
  epochLength: bigint;
  claimWindow?: bigint;
  salt: (name: string) => string;
};

export async function deployVolumeLedger(
  client: ChainClient,
  { channels, epochLength, claimWindow = VOLUME_CLAIM_WINDOW_EPOCHS, salt }: DeployVolumeLedgerParameters,
): Promise<Address> {
  const noArgs = { abi: [] as const, args: [] as never };
  const PoseidonT3 = await deployDeterministic(client, {
    ...noArgs,
    bytecode: poseidonT3Bytecode,
    salt: salt('PoseidonT3'),
  });
  const PoseidonT6 = await deployDeterministic(client, {
    ...noArgs,
    bytecode: poseidonT6Bytecode,
    salt: salt('PoseidonT6'),
  });
  const verifier = await deployDeterministic(client, {
    abi: servedVolumeVerifierAbi,
    bytecode: servedVolumeVerifierBytecode,
    args: [],
    salt: salt('ServedVolumeVerifier'),
  });
  return deployDeterministic(client, {
    abi: volumeLedgerAbi,
    bytecode: linkBytecode(volumeLedgerBytecode, volumeLedgerLibraries, { PoseidonT3, PoseidonT6 }),
    args: [channels, verifier, epochLength, claimWindow],
    salt: salt('VolumeLedger'),
  });
}
