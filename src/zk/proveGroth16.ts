/**
 * Groth16 proofs for a circuit of `circuits/`: the witness from the circuit's wasm, the proof from its zkey —
 * both local files from `circuitArtifacts`, so snarkjs never downloads anything — plus the proof in the form a
 * generated Solidity verifier takes. snarkjs's worker threads are released when the last proof in the
 * process is done (`withCurve`).
 */
import * as snarkjs from 'snarkjs';
import type { BuildCircuitOptions } from './buildCircuit.ts';
import { circuitArtifacts } from './circuitArtifacts.ts';
import { withCurve } from './curveLease.ts';
import { ZkError } from './ZkError.ts';

/** A proof as `verifyProof(pA, pB, pC, pubSignals)` of a snarkjs verifier takes it. */
export type SolidityProof = {
  pA: readonly [bigint, bigint];
  pB: readonly [readonly [bigint, bigint], readonly [bigint, bigint]];
  pC: readonly [bigint, bigint];
  pubSignals: readonly bigint[];
};

export type Groth16Result = {
  proof: snarkjs.Groth16Proof;
  publicSignals: string[];
  solidity: SolidityProof;
};

/** The verifier's calldata form (G2 coordinates swapped, as the pairing precompile wants them). */
export function toSolidityProof(proof: snarkjs.Groth16Proof, publicSignals: readonly string[]): SolidityProof {
  const n = (value: string | undefined) => BigInt(value ?? '0');
  const a = proof.pi_a;
  const b = proof.pi_b;
  const c = proof.pi_c;
  return {
    pA: [n(a[0]), n(a[1])],
    pB: [
      [n(b[0]?.[1]), n(b[0]?.[0])],
      [n(b[1]?.[1]), n(b[1]?.[0])],
    ],
    pC: [n(c[0]), n(c[1])],
    pubSignals: publicSignals.map((s) => BigInt(s)),
  };
}

/**
 * @example
 * const { solidity } = await proveGroth16('poolSpend', input);
 * await verifier.read.verifyProof([solidity.pA, solidity.pB, solidity.pC, solidity.pubSignals]);
 */
export async function proveGroth16(
  circuit: string,
  input: Record<string, unknown>,
  options: BuildCircuitOptions = {},
): Promise<Groth16Result> {
  const { wasm, zkey } = await circuitArtifacts(circuit, options);
  const { proof, publicSignals } = await withCurve(async () => {
    try {
      return await snarkjs.groth16.fullProve(input, wasm, zkey);
    } catch (cause) {
      throw new ZkError({
        code: 'ZK_WITNESS_INVALID',
        message: `the input does not satisfy circuit ${circuit}`,
        circuit,
        details: cause instanceof Error ? cause.message.split('\n')[0] : String(cause),
        cause,
      });
    }
  });
  return { proof, publicSignals, solidity: toSolidityProof(proof, publicSignals) };
}
