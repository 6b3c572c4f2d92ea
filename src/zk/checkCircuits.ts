/**
 * What `node scripts/zk.ts check` finds wrong: a committed verifier or manifest that differs from what its
 * circuit builds (byte for byte), one that is missing, a committed proving key that is not the one the verifier
 * comes from, or a verifier no circuit builds. Builds come from the cache, else from the committed key (a fresh
 * clone compiles the circuits and derives the verifiers: seconds), else from the ceremony.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { buildCircuit } from './buildCircuit.ts';
import { circuitManifest, manifestPath, verifierPath } from './circuitManifest.ts';
import { CIRCUITS_DIR, KEYS_DIR, REPO_ROOT, VERIFIERS_DIR } from './constants.ts';

/** The circuits of `circuits/`: every `<name>.circom`. */
export function circuitNames(): string[] {
  return readdirSync(CIRCUITS_DIR)
    .filter((f) => f.endsWith('.circom'))
    .map((f) => f.slice(0, -'.circom'.length))
    .sort();
}

export type CheckCircuitsOptions = {
  /** Where the committed verifiers are (default contracts/src/verifiers/). */
  verifiersDir?: string;
  /** Where the committed manifests are (default circuits/). */
  manifestsDir?: string;
  /** Where the committed proving keys are (default circuits/keys/). */
  keysDir?: string;
  log?: (line: string) => void;
};

/** The problems, one line each (`stale: …`, `missing: …`, `no circuit builds …`); empty when all match. */
export async function checkCircuits(options: CheckCircuitsOptions = {}): Promise<string[]> {
  const verifiersDir = options.verifiersDir ?? VERIFIERS_DIR;
  const manifestsDir = options.manifestsDir ?? CIRCUITS_DIR;
  const rel = (path: string) => relative(REPO_ROOT, path);
  const problems: string[] = [];
  const names = circuitNames();
  for (const circuit of names) {
    const build = await buildCircuit(circuit, { log: options.log });
    const expected = [
      [join(verifiersDir, basename(verifierPath(circuit))), build.verifier],
      [join(manifestsDir, basename(manifestPath(circuit))), circuitManifest(build)],
    ] as const;
    for (const [path, text] of expected) {
      if (!existsSync(path)) problems.push(`missing: ${rel(path)}`);
      else if (readFileSync(path, 'utf8') !== text) problems.push(`stale: ${rel(path)}`);
    }
    // The committed proving key must be the one the verifier was derived from.
    const key = join(options.keysDir ?? KEYS_DIR, `${circuit}.zkey`);
    if (!existsSync(key)) problems.push(`missing: ${rel(key)}`);
    else if (createHash('sha256').update(readFileSync(key)).digest('hex') !== build.zkeySha256)
      problems.push(`stale: ${rel(key)}`);
  }
  const built = new Set(names.map((c) => basename(verifierPath(c))));
  if (existsSync(verifiersDir)) {
    for (const file of readdirSync(verifiersDir)) {
      if (!built.has(file)) problems.push(`no circuit builds ${rel(join(verifiersDir, file))}`);
    }
  }
  return problems;
}
