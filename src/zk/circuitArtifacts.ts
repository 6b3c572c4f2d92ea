/**
 * The files a prover and a verifier need for one circuit — wasm (witness generator), zkey (proving key) and
 * verification key — built into the cache when missing, so the CLI, the e2e tests and the benchmark work on a
 * fresh clone without a separate build step (the first call for a circuit takes its ceremony's time).
 */
import { readFileSync } from 'node:fs';
import type { VerificationKey } from 'snarkjs';
import { type BuildCircuitOptions, buildCircuit } from './buildCircuit.ts';

export type CircuitArtifacts = { circuit: string; wasm: string; zkey: string; vkeyPath: string; vkey: VerificationKey };

const loaded = new Map<string, Promise<CircuitArtifacts>>();

/**
 * @example
 * const { wasm, zkey } = await circuitArtifacts('poolSpend');
 */
export function circuitArtifacts(circuit: string, options: BuildCircuitOptions = {}): Promise<CircuitArtifacts> {
  let artifacts = loaded.get(circuit);
  if (!artifacts) {
    artifacts = buildCircuit(circuit, options).then((build) => ({
      circuit,
      wasm: build.wasm,
      zkey: build.zkey,
      vkeyPath: build.vkey,
      vkey: JSON.parse(readFileSync(build.vkey, 'utf8')) as VerificationKey,
    }));
    artifacts.catch(() => loaded.delete(circuit));
    loaded.set(circuit, artifacts);
  }
  return artifacts;
}
