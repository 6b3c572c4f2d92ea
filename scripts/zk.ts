/**
 * The ZK toolchain's command line (see docs/privacy.md "Trusted setup"):
 *
 *   node scripts/zk.ts build [name]   compile circuits/<name>.circom (all circuits without a name), run the
 *                                     deterministic development ceremony into .cache/zk/ (unless the committed
 *                                     key already belongs to this source), write circuits/keys/<name>.zkey,
 *                                     contracts/src/verifiers/<Name>Verifier.sol and circuits/<name>.manifest.json
 *   node scripts/zk.ts check          rebuild (from the cache, else from the committed key) and fail if a
 *                                     committed key, verifier or manifest differs from what its circuit builds
 *
 * Everything runs offline: the compiler is the `circom2` npm package, the ceremony is snarkjs's with a public
 * beacon, nothing is downloaded.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { buildCircuit } from '../src/zk/buildCircuit.ts';
import { checkCircuits, circuitNames } from '../src/zk/checkCircuits.ts';
import { circuitManifest, keyPath, manifestPath, verifierPath } from '../src/zk/circuitManifest.ts';
import { KEYS_DIR, REPO_ROOT, VERIFIERS_DIR } from '../src/zk/constants.ts';

const [command, name] = process.argv.slice(2);

const log = (line: string) => console.error(line);
const rel = (path: string) => relative(REPO_ROOT, path);

async function expected(circuit: string): Promise<{ verifier: string; manifest: string; zkey: string }> {
  const started = performance.now();
  const build = await buildCircuit(circuit, { log });
  log(
    `${circuit}: ${build.constraints} constraints, 2^${build.ptauPower} (${Math.round(performance.now() - started)} ms)`,
  );
  return { verifier: build.verifier, manifest: circuitManifest(build), zkey: build.zkey };
}

async function build(names: string[]): Promise<void> {
  mkdirSync(VERIFIERS_DIR, { recursive: true });
  for (const circuit of names) {
    const { verifier, manifest, zkey } = await expected(circuit);
    writeFileSync(verifierPath(circuit), verifier);
    writeFileSync(manifestPath(circuit), manifest);
    mkdirSync(KEYS_DIR, { recursive: true });
    if (zkey !== keyPath(circuit)) copyFileSync(zkey, keyPath(circuit));
    log(`wrote ${rel(verifierPath(circuit))}, ${rel(manifestPath(circuit))} and ${rel(keyPath(circuit))}`);
  }
}

async function check(): Promise<number> {
  const problems = await checkCircuits({ log });
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error('the committed ZK verifiers do not match their circuits: run `node scripts/zk.ts build` and commit');
    return 1;
  }
  console.error(`ZK verifiers and manifests match their circuits (${circuitNames().join(', ')})`);
  return 0;
}

if (command === 'build') {
  await build(name ? [name] : circuitNames());
} else if (command === 'check') {
  process.exitCode = await check();
} else {
  console.error('usage: node scripts/zk.ts build [circuit] | check');
  process.exitCode = 2;
}
