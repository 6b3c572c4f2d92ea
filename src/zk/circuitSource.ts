/**
 * A circuit's source closure: its `.circom` file and every file it includes, resolved as circom resolves them
 * (the including file's folder first, then the include roots of `CIRCUIT_LIBRARIES` in order), each named by
 * its library-relative path. The hash over the closure keys the build cache and the manifest, so an edit to a
 * library file (a circomlib upgrade) is a different circuit.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { CIRCUIT_LIBRARIES } from './constants.ts';
import { ZkError } from './ZkError.ts';

export type CircuitSourceFile = {
  /** Path in the compiler's working folder: `<library>/<path inside it>`. */
  name: string;
  text: string;
};

export type CircuitSource = {
  circuit: string;
  /** The main file first, then includes in the order first met. */
  files: CircuitSourceFile[];
  /** sha256 over every file's name and text, hex. */
  hash: string;
};

const INCLUDE = /^\s*include\s+"([^"]+)"\s*;/gm;

function libraryPath(name: string): string {
  const [library, ...rest] = name.split('/');
  const root = CIRCUIT_LIBRARIES.find((l) => l.name === library);
  if (!root) throw new Error(`unknown circuit library ${library}`);
  return join(root.dir, ...rest);
}

function resolveInclude(fromName: string, include: string): string | undefined {
  const candidates = [posix.normalize(posix.join(posix.dirname(fromName), include))];
  for (const library of CIRCUIT_LIBRARIES) candidates.push(posix.normalize(posix.join(library.name, include)));
  return candidates.find((name) => !name.startsWith('..') && existsSync(libraryPath(name)));
}

/** Reads `circuits/<circuit>.circom` and its includes. */
export function circuitSource(circuit: string): CircuitSource {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(circuit)) {
    throw new ZkError({ code: 'ZK_CIRCUIT_NOT_FOUND', message: `"${circuit}" is not a circuit name`, circuit });
  }
  const main = `circuits/${circuit}.circom`;
  if (!existsSync(libraryPath(main))) {
    throw new ZkError({ code: 'ZK_CIRCUIT_NOT_FOUND', message: `no circuit ${main}`, circuit });
  }
  const files: CircuitSourceFile[] = [];
  const seen = new Set<string>();
  const pending = [main];
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const text = readFileSync(libraryPath(name), 'utf8');
    files.push({ name, text });
    for (const match of text.matchAll(INCLUDE)) {
      const include = match[1] as string;
      const resolved = resolveInclude(name, include);
      if (!resolved) {
        throw new ZkError({
          code: 'ZK_CIRCUIT_NOT_FOUND',
          message: `${name} includes "${include}", found in none of ${CIRCUIT_LIBRARIES.map((l) => l.name).join(', ')}`,
          circuit,
        });
      }
      pending.push(resolved);
    }
  }
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.name).update('\0').update(file.text).update('\0');
  return { circuit, files, hash: hash.digest('hex') };
}
