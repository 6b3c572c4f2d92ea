/**
 * Proves a claim built by `buildVolumeWitness` with the served-volume circuit (the toolchain's
 * `proveGroth16`: local wasm and zkey, nothing downloaded) and returns it as `VolumeLedger.claimVolume`
 * takes it. A witness the circuit refuses is a `VolumeError` (`VOLUME_UNPROVABLE`), which only happens when
 * `buildVolumeWitness`'s own checks were bypassed.
 */
import { canProveWithoutCeremony } from '../zk/buildCircuit.ts';
import { proveGroth16 } from '../zk/proveGroth16.ts';
import type { VolumeWitness } from './buildVolumeWitness.ts';
import { VolumeError } from './VolumeError.ts';

/** The circuit's name in `circuits/`. */
export const VOLUME_CIRCUIT = 'servedVolume';

export type VolumeProof = {
  /** `[pA0, pA1, pB00, pB01, pB10, pB11, pC0, pC1]`, the order `claimVolume` takes. */
  proof: readonly bigint[];
  publicSignals: readonly bigint[];
};

/** True when proving needs no ceremony: the build is cached, or the committed proving key is current. */
export function isVolumeCircuitBuilt(): boolean {
  return canProveWithoutCeremony(VOLUME_CIRCUIT);
}

export async function proveVolume(witness: VolumeWitness): Promise<VolumeProof> {
  let result: Awaited<ReturnType<typeof proveGroth16>>;
  try {
    result = await proveGroth16(VOLUME_CIRCUIT, witness.input);
  } catch (cause) {
    throw Object.assign(
      new VolumeError(
        'VOLUME_UNPROVABLE',
        'the served-volume circuit refuses this claim',
        String((cause as Error).message),
      ),
      { cause },
    );
  }
  const { pA, pB, pC, pubSignals } = result.solidity;
  return { proof: [pA[0], pA[1], pB[0][0], pB[0][1], pB[1][0], pB[1][1], pC[0], pC[1]], publicSignals: pubSignals };
}
