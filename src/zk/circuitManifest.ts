/**
 * `circuits/<name>.manifest.json`: what a committed verifier was built from — the source closure's hash, the
 * toolchain, the circuit's size, the ceremony's beacon — and the hashes of its verification key and verifier.
 * Committed next to the circuit; `node scripts/zk.ts check` rebuilds and compares it (and the verifier) byte
 * for byte.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type CircuitBuild, TOOLCHAIN } from './buildCircuit.ts';
import {
  CIRCUITS_DIR,
  DEV_BEACON_HEX,
  DEV_BEACON_ITERATIONS_EXP,
  KEYS_DIR,
  REPO_ROOT,
  VERIFIERS_DIR,
} from './constants.ts';
import { verifierContractName } from './verifierContractSource.ts';

export function manifestPath(circuit: string): string {
  return join(CIRCUITS_DIR, `${circuit}.manifest.json`);
}

/** The committed proving key, `circuits/keys/<name>.zkey`. */
export function keyPath(circuit: string): string {
  return join(KEYS_DIR, `${circuit}.zkey`);
}

export function verifierPath(circuit: string): string {
  return join(VERIFIERS_DIR, `${verifierContractName(circuit)}.sol`);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The manifest's text for a build (stable key order, trailing newline). */
export function circuitManifest(build: CircuitBuild): string {
  const manifest = {
    circuit: build.circuit,
    sourceHash: build.sourceHash,
    sources: build.sources,
    toolchain: TOOLCHAIN,
    constraints: build.constraints,
    publicInputs: build.publicInputs,
    ptauPower: build.ptauPower,
    ceremony: {
      kind: 'development (public beacon, insecure)',
      beacon: DEV_BEACON_HEX,
      iterationsExp: DEV_BEACON_ITERATIONS_EXP,
    },
    zkeySha256: build.zkeySha256,
    vkeySha256: sha256(readFileSync(build.vkey, 'utf8')),
    verifier: {
      path: relative(REPO_ROOT, verifierPath(build.circuit)),
      contract: verifierContractName(build.circuit),
      sha256: sha256(build.verifier),
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
