/**
 * Builds one circuit into the cache, offline and deterministically: circom (the `circom2` WebAssembly compiler)
 * → r1cs + wasm; the development ceremony — powers of tau of the circuit's size (`new` + a beacon contribution,
 * `prepare phase2`, shared by every circuit of that size), Groth16 setup, a zkey beacon contribution; then the
 * verification key and the Solidity verifier. Every step is deterministic (the only randomness is the public
 * beacon of `DEV_BEACON_HEX`), so the same circuit always yields the same verifier. A build lands in
 * `.cache/zk/<circuit>-<hash>/` by an atomic rename, so concurrent builders never see half a build.
 *
 * The ceremony's product, the proving key, is committed (`circuits/keys/<name>.zkey`, pinned by the manifest's
 * `zkeySha256` and source hash): a clone whose cache is empty compiles the circuit, checks the committed key
 * against it (signals, public inputs, domain) and derives the verification key and the verifier from it,
 * in seconds; the ceremony runs only for a circuit whose source changed (`node scripts/zk.ts build`).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as snarkjs from 'snarkjs';
import { type CircuitSource, circuitSource } from './circuitSource.ts';
import {
  CIRCOM_OPTIMIZATION,
  CIRCUIT_LIBRARIES,
  DEV_BEACON_HEX,
  DEV_BEACON_ITERATIONS_EXP,
  KEYS_DIR,
  MAX_PTAU_POWER,
  MIN_PTAU_POWER,
  REPO_ROOT,
  ZK_CACHE_DIR,
} from './constants.ts';
import { withCurve } from './curveLease.ts';
import { verifierContractSource } from './verifierContractSource.ts';
import { ZkError } from './ZkError.ts';
import { readZkeyHeader } from './zkeyHeader.ts';

const require = createRequire(import.meta.url);
const run = promisify(execFile);
/** snarkjs's package folder (its `exports` hide package.json and the verifier templates from `require`). */
const SNARKJS_DIR = join(REPO_ROOT, 'node_modules', 'snarkjs');

/** Tool versions: part of the cache key and the manifest (another compiler may give another circuit). */
export const TOOLCHAIN = {
  circom2: (require('circom2/package.json') as { version: string }).version,
  snarkjs: (JSON.parse(readFileSync(join(SNARKJS_DIR, 'package.json'), 'utf8')) as { version: string }).version,
  optimization: CIRCOM_OPTIMIZATION,
};

export type CircuitBuild = {
  circuit: string;
  sourceHash: string;
  /** Library-relative names of every source file. */
  sources: string[];
  constraints: number;
  publicInputs: number;
  ptauPower: number;
  /** sha256 of the proving key (the committed `circuits/keys/<name>.zkey`). */
  zkeySha256: string;
  /** Where the proving key came from: this build's ceremony, or the committed key. */
  keySource: 'ceremony' | 'committed';
  dir: string;
  r1cs: string;
  wasm: string;
  zkey: string;
  vkey: string;
  /** The Solidity verifier as committed under contracts/src/verifiers/. */
  verifier: string;
};

/** Bumped when a cached build's record changes shape (older builds are then made again). */
const BUILD_FORMAT = 2;

type BuildRecord = Omit<CircuitBuild, 'dir' | 'r1cs' | 'wasm' | 'zkey' | 'vkey' | 'verifier'>;

export type BuildCircuitOptions = { log?: (line: string) => void };

function cacheDirOf(source: CircuitSource): string {
  const key = `${BUILD_FORMAT}:${source.hash}:${TOOLCHAIN.circom2}:${TOOLCHAIN.snarkjs}:${TOOLCHAIN.optimization}`;
  return join(ZK_CACHE_DIR, `${source.circuit}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`);
}

function paths(dir: string, circuit: string) {
  return {
    r1cs: join(dir, `${circuit}.r1cs`),
    wasm: join(dir, `${circuit}.wasm`),
    zkey: join(dir, `${circuit}.zkey`),
    vkey: join(dir, 'vkey.json'),
    verifier: join(dir, 'verifier.sol'),
    record: join(dir, 'build.json'),
  };
}

function load(dir: string, circuit: string): CircuitBuild | undefined {
  const p = paths(dir, circuit);
  if (!existsSync(p.record)) return undefined;
  const record = JSON.parse(readFileSync(p.record, 'utf8')) as BuildRecord;
  return {
    ...record,
    dir,
    r1cs: p.r1cs,
    wasm: p.wasm,
    zkey: p.zkey,
    vkey: p.vkey,
    verifier: readFileSync(p.verifier, 'utf8'),
  };
}

/**
 * The committed proving key of `circuit` if it belongs to the current source: the manifest names the same
 * source hash and the key's sha256. Otherwise the ceremony must run (and `zk.ts build` commits its key).
 */
function committedKey(circuit: string, sourceHash: string): string | undefined {
  const key = join(KEYS_DIR, `${circuit}.zkey`);
  const manifestFile = join(KEYS_DIR, '..', `${circuit}.manifest.json`);
  if (!existsSync(key) || !existsSync(manifestFile)) return undefined;
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { sourceHash?: string; zkeySha256?: string };
  if (manifest.sourceHash !== sourceHash) return undefined;
  const sha = createHash('sha256').update(readFileSync(key)).digest('hex');
  return sha === manifest.zkeySha256 ? key : undefined;
}

/** The power of tau a circuit needs: snarkjs's own rule (domain ≥ constraints + public signals + 1). */
export function ptauPowerFor(info: { nConstraints: number; nPubInputs: number; nOutputs: number }): number {
  const n = info.nConstraints + info.nPubInputs + info.nOutputs;
  return Math.max(MIN_PTAU_POWER, n.toString(2).length);
}

/** `.cache/zk/ptau/pot<power>.ptau`: prepared for phase 2, built once per size. */
async function ensurePtau(power: number, log: (line: string) => void): Promise<string> {
  const dir = join(ZK_CACHE_DIR, 'ptau');
  const file = join(dir, `pot${power}.ptau`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}`;
  log(`powers of tau 2^${power}: new, beacon, prepare phase 2`);
  const curve = await snarkjs.curves.getCurveFromName('bn128');
  await snarkjs.powersOfTau.newAccumulator(curve, power, `${tmp}.0`);
  await snarkjs.powersOfTau.beacon(
    `${tmp}.0`,
    `${tmp}.1`,
    'bandex development beacon',
    DEV_BEACON_HEX,
    DEV_BEACON_ITERATIONS_EXP,
  );
  await snarkjs.powersOfTau.preparePhase2(`${tmp}.1`, tmp);
  rmSync(`${tmp}.0`);
  rmSync(`${tmp}.1`);
  renameSync(tmp, file);
  return file;
}

async function compile(source: CircuitSource, work: string): Promise<void> {
  const src = join(work, 'src');
  for (const file of source.files) {
    mkdirSync(dirname(join(src, file.name)), { recursive: true });
    writeFileSync(join(src, file.name), file.text);
  }
  const libraries = CIRCUIT_LIBRARIES.flatMap((l) => ['-l', l.name]);
  const args = [`circuits/${source.circuit}.circom`, '--r1cs', '--wasm', CIRCOM_OPTIMIZATION, ...libraries, '-o', '.'];
  try {
    // circom2 is WASI: it reads only below its working folder, hence the copied sources.
    await run(process.execPath, [require.resolve('circom2/cli.js'), ...args], { cwd: src, maxBuffer: 64 << 20 });
  } catch (cause) {
    const output = (cause as { stdout?: string; stderr?: string }).stdout ?? '';
    throw new ZkError({
      code: 'ZK_BUILD_FAILED',
      message: `circom refused circuits/${source.circuit}.circom`,
      circuit: source.circuit,
      details: `${output}${(cause as { stderr?: string }).stderr ?? ''}`.trim().slice(-2000),
      cause,
    });
  }
  renameSync(join(src, `${source.circuit}.r1cs`), join(work, `${source.circuit}.r1cs`));
  renameSync(join(src, `${source.circuit}_js`, `${source.circuit}.wasm`), join(work, `${source.circuit}.wasm`));
  rmSync(src, { recursive: true, force: true });
}

/**
 * The cached build of `circuit`, building it first when the cache has none for its current source.
 *
 * @example
 * const build = await buildCircuit('poolSpend');
 * // build.wasm, build.zkey: inputs of groth16.fullProve; build.verifier: the Solidity verifier
 */
export async function buildCircuit(circuit: string, options: BuildCircuitOptions = {}): Promise<CircuitBuild> {
  const log = options.log ?? (() => {});
  const source = circuitSource(circuit);
  const dir = cacheDirOf(source);
  const cached = load(dir, circuit);
  if (cached) return cached;

  const work = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
  mkdirSync(work, { recursive: true });
  try {
    log(`${circuit}: compiling (circom2 ${TOOLCHAIN.circom2}, ${CIRCOM_OPTIMIZATION})`);
    await compile(source, work);
    const p = paths(work, circuit);
    const record = await withCurve(async () => {
      const info = await snarkjs.r1cs.info(p.r1cs);
      const ptauPower = ptauPowerFor(info);
      if (ptauPower > MAX_PTAU_POWER) {
        throw new ZkError({
          code: 'ZK_BUILD_FAILED',
          message: `circuit ${circuit} has ${info.nConstraints} constraints, over 2^${MAX_PTAU_POWER}`,
          circuit,
          details: 'split it or lower its parameters (the development ceremony is sized for small circuits)',
        });
      }
      const committed = committedKey(circuit, source.hash);
      let keySource: 'ceremony' | 'committed';
      if (committed) {
        log(`${circuit}: ${info.nConstraints} constraints, the committed proving key`);
        copyFileSync(committed, p.zkey);
        const header = readZkeyHeader(p.zkey, circuit);
        const want = { nVars: info.nVars, nPublic: info.nPubInputs + info.nOutputs, domainSize: 2 ** ptauPower };
        if (header.nVars !== want.nVars || header.nPublic !== want.nPublic || header.domainSize !== want.domainSize) {
          throw new ZkError({
            code: 'ZK_BUILD_FAILED',
            message: `circuits/keys/${circuit}.zkey was not made for this circuit`,
            circuit,
            details: `key ${JSON.stringify(header)}, circuit ${JSON.stringify(want)}: run \`node scripts/zk.ts build ${circuit}\``,
          });
        }
        keySource = 'committed';
      } else {
        const ptau = await ensurePtau(ptauPower, log);
        log(`${circuit}: ${info.nConstraints} constraints, groth16 setup on 2^${ptauPower}, zkey beacon`);
        await snarkjs.zKey.newZKey(p.r1cs, ptau, `${p.zkey}.0`);
        await snarkjs.zKey.beacon(
          `${p.zkey}.0`,
          p.zkey,
          'bandex development beacon',
          DEV_BEACON_HEX,
          DEV_BEACON_ITERATIONS_EXP,
        );
        rmSync(`${p.zkey}.0`);
        keySource = 'ceremony';
      }
      const vkey = await snarkjs.zKey.exportVerificationKey(p.zkey);
      writeFileSync(p.vkey, `${JSON.stringify(vkey, null, 2)}\n`);
      const template = readFileSync(join(SNARKJS_DIR, 'templates', 'verifier_groth16.sol.ejs'), 'utf8');
      const generated = await snarkjs.zKey.exportSolidityVerifier(p.zkey, { groth16: template });
      writeFileSync(p.verifier, verifierContractSource(circuit, generated));
      return {
        circuit,
        sourceHash: source.hash,
        sources: source.files.map((f) => f.name),
        constraints: info.nConstraints,
        publicInputs: info.nPubInputs + info.nOutputs,
        ptauPower,
        zkeySha256: createHash('sha256').update(readFileSync(p.zkey)).digest('hex'),
        keySource,
      } satisfies BuildRecord;
    });
    writeFileSync(p.record, `${JSON.stringify(record, null, 2)}\n`);
    try {
      renameSync(work, dir);
    } catch (error) {
      // Another process finished the same build first: theirs is identical.
      if (!existsSync(paths(dir, circuit).record)) throw error;
      rmSync(work, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  return load(dir, circuit) as CircuitBuild;
}

/**
 * Whether `circuit` can be proven without a ceremony: its build is cached, or the committed proving key belongs
 * to its current source (then the first proof compiles the circuit: seconds). A daemon asks this before proving,
 * so a stale key never starts a ceremony of minutes inside it.
 */
export function canProveWithoutCeremony(circuit: string): boolean {
  const source = circuitSource(circuit);
  return load(cacheDirOf(source), circuit) !== undefined || committedKey(circuit, source.hash) !== undefined;
}
