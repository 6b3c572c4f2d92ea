/** Off-chain verification of a Groth16 proof against a circuit's verification key (from the build cache). */
import * as snarkjs from 'snarkjs';
import { circuitArtifacts } from './circuitArtifacts.ts';
import { withCurve } from './curveLease.ts';

/**
 * @example
 * const ok = await verifyGroth16('poolSpend', proof, publicSignals);
 */
export async function verifyGroth16(
  circuit: string,
  proof: snarkjs.Groth16Proof,
  publicSignals: readonly string[],
): Promise<boolean> {
  const { vkey } = await circuitArtifacts(circuit);
  return withCurve(() => snarkjs.groth16.verify(vkey, [...publicSignals], proof));
}
