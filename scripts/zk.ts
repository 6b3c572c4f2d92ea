/**
 * The ZK toolchain's command line (see docs/privacy.md "Trusted setup"):
 *
 *   node scripts/zk.ts build [name]   compile circuits/<name>.circom (all circuits without a name), run the
 *                                     deterministic development ceremony into .cache/zk/, write
 *                                     contracts/src/verifiers/<Name>Verifier.sol and circuits/<name>.manifest.json
 *   node scripts/zk.ts check          rebuild (from the cache when present) and fail if a committed verifier or
 *                                     manifest differs from what its circuit builds, or has no circuit
 *
 * Everything runs offline: the compiler is the `circom2` npm package, the ceremony is snarkjs's with a public
 * beacon, nothing is downloaded.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { buildCircuit } from '../src/zk/buildCircuit.ts';
import { circuitManifest, manifestPath, verifierPath } from '../src/zk/circuitManifest.ts';
import { CIRCUITS_DIR, REPO_ROOT, VERIFIERS_DIR } from '../src/zk/constants.ts';

const [command, name] = process.argv.slice(2);

function circuits(): string[] {
  return readdirSync(CIRCUITS_DIR)
    .filter((f) => f.endsWith('.circom'))
    .map((f) => f.slice(0, -'.circom'.length))
    .sort();
}

const log = (line: string) => console.error(line);
const rel = (path: string) => relative(REPO_ROOT, path);

async function expected(circuit: string): Promise<{ verifier: string; manifest: string }> {
  const started = performance.now();
  const build = await buildCircuit(circuit, { log });
  log(
    `${circuit}: ${build.constraints} constraints, 2^${build.ptauPower} (${Math.round(performance.now() - started)} ms)`,
  );
  return { verifier: build.verifier, manifest: circuitManifest(build) };
}

async function build(names: string[]): Promise<void> {
  mkdirSync(VERIFIERS_DIR, { recursive: true });
  for (const circuit of names) {
    const { verifier, manifest } = await expected(circuit);
    writeFileSync(verifierPath(circuit), verifier);
    writeFileSync(manifestPath(circuit), manifest);
    log(`wrote ${rel(verifierPath(circuit))} and ${rel(manifestPath(circuit))}`);
  }
}

async function check(): Promise<number> {
  const problems: string[] = [];
  const names = circuits();
  for (const circuit of names) {
    const { verifier, manifest } = await expected(circuit);
    for (const [path, text] of [
      [verifierPath(circuit), verifier],
      [manifestPath(circuit), manifest],
    ] as const) {
      if (!existsSync(path)) problems.push(`missing: ${rel(path)}`);
      else if (readFileSync(path, 'utf8') !== text) problems.push(`stale: ${rel(path)}`);
    }
  }
  const expectedVerifiers = new Set(names.map((c) => rel(verifierPath(c))));
  if (existsSync(VERIFIERS_DIR)) {
    for (const file of readdirSync(VERIFIERS_DIR)) {
      const path = rel(`${VERIFIERS_DIR}/${file}`);
      if (!expectedVerifiers.has(path)) problems.push(`no circuit builds ${path}`);
    }
  }
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error('the committed ZK verifiers do not match their circuits: run `node scripts/zk.ts build` and commit');
    return 1;
  }
  console.error(`ZK verifiers and manifests match their circuits (${names.join(', ')})`);
  return 0;
}

if (command === 'build') {
  await build(name ? [name] : circuits());
} else if (command === 'check') {
  process.exitCode = await check();
} else {
  console.error('usage: node scripts/zk.ts build [circuit] | check');
  process.exitCode = 2;
}
