/**
 * Where the ZK toolchain finds circuits, their libraries and its cache, and the fixed parameters of the
 * development ceremony. Every value here is part of what makes a build reproducible: change one and every
 * committed verifier and manifest goes stale (`node scripts/zk.ts check` says so).
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Circuit sources, one main component per `<name>.circom`. */
export const CIRCUITS_DIR = join(REPO_ROOT, 'circuits');

/**
 * Committed proving keys (`<name>.zkey`), the product of the ceremony the manifest records: a fresh clone (CI)
 * proves and checks its verifiers from them instead of running the ceremony again (its powers of tau take
 * minutes at 2^13 and half an hour at 2^15 on two busy cores).
 */
export const KEYS_DIR = join(CIRCUITS_DIR, 'keys');

/** Generated Groth16 verifiers (`<Name>Verifier.sol`). */
export const VERIFIERS_DIR = join(REPO_ROOT, 'contracts', 'src', 'verifiers');

/**
 * Big build products (r1cs, wasm, ptau, zkey) keyed by the circuit's source hash: gitignored, never committed,
 * never downloaded; any clone rebuilds them with `node scripts/zk.ts build`. `BANDEX_ZK_CACHE` moves it (e.g. to
 * a folder that outlives CI's fresh clones: a build is keyed by its inputs, so a kept one is as good as new).
 */
export const ZK_CACHE_DIR = process.env.BANDEX_ZK_CACHE || join(REPO_ROOT, '.cache', 'zk');

/**
 * Include roots, searched in this order after the including file's own folder (as circom's `-l`). The first
 * part of each entry is the name the file gets in the compiler's working folder and in the source hash.
 */
export const CIRCUIT_LIBRARIES: readonly { name: string; dir: string }[] = [
  { name: 'circuits', dir: CIRCUITS_DIR },
  { name: 'circomlib', dir: join(REPO_ROOT, 'node_modules', 'circomlib', 'circuits') },
  { name: 'zk-kit', dir: join(REPO_ROOT, 'node_modules', '@zk-kit', 'circuits', 'circom') },
];

/** circom's optimisation level: `--O2` folds linear constraints (fewest constraints, smallest zkey). */
export const CIRCOM_OPTIMIZATION = '--O2';

/**
 * The development ceremony's "randomness": a PUBLIC beacon, so anyone can recompute the toxic waste and forge
 * proofs. Insecure by construction, deterministic on purpose (same circuit → same verifier); see
 * docs/privacy.md "Trusted setup" for what replaces it in production.
 */
export const DEV_BEACON_HEX = createHash('sha256')
  .update('Bandex development ceremony: a public beacon, insecure by construction')
  .digest('hex');

/** 2^10 SHA-256 iterations of the beacon: the iteration count only slows a real beacon's precomputation. */
export const DEV_BEACON_ITERATIONS_EXP = 10;

/** Smallest powers-of-tau size built (snarkjs needs a few points even for a toy circuit). */
export const MIN_PTAU_POWER = 8;

/** Largest: 2^16 constraints. Bigger circuits cost minutes per ceremony step on a small machine; split them. */
export const MAX_PTAU_POWER = 16;
