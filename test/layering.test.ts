/**
 * Issue 15: layers that only point down. `LAYERS` is the one place the allowed direction is written:
 * a folder of `src/` may import its own files and folders of lower layers, nothing beside or above it.
 * So `api/` serves the daemons without knowing them (they hand it plain functions and data), the
 * client and the auditor share `daemon/`, `reputation/` and `session/` without importing each other,
 * and a new folder fails here until it is given a layer. Type-only imports count too: a cycle of
 * types is still a cycle for the reader.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, it } from 'node:test';

/** Lowest first. `(root)` is a file directly in src/ (e.g. packageVersion.ts). */
const LAYERS: readonly (readonly string[])[] = [
  ['(root)', 'errors', 'log'],
  ['api', 'config', 'net', 'tunnel', 'wallet'],
  ['chain'],
  ['accounting'],
  ['store'],
  ['reputation', 'session', 'watcher'],
  ['daemon'],
  ['audit', 'client', 'provider'],
  ['devnet'],
  ['cli'],
];

const SRC = join(import.meta.dirname, '..', 'src');
const IMPORT = /^(?:import|export)[^;]*?from ['"](\.[^'"]+)['"]/gms;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The folder of src/ a path is in, `(root)` for src/ itself, undefined outside src/. */
function folderOf(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  if (parts[0] === '..') return undefined;
  return parts.length > 1 ? parts[0] : '(root)';
}

const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));

describe('layering', () => {
  const files = sourceFiles(SRC);

  it('every folder of src/ has a layer', () => {
    const folders = new Set(files.map((f) => folderOf(f) as string));
    const missing = [...folders].filter((f) => layerOf(f) < 0);
    assert.deepEqual(missing, [], `give these folders a layer in LAYERS: ${missing.join(', ')}`);
  });

  it('imports point down only (or stay in their folder)', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = folderOf(file) as string;
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const to = folderOf(normalize(join(dirname(file), match[1] as string)));
        if (to === undefined || to === from) continue;
        if (layerOf(to) >= layerOf(from)) wrong.push(`${relative(SRC, file)} imports ${match[1]} (${from} → ${to})`);
      }
    }
    assert.deepEqual(wrong, [], 'imports that point sideways or up');
  });

  it('api/ imports nothing above log/ and errors/', () => {
    for (const file of files.filter((f) => folderOf(f) === 'api'))
      for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const to = folderOf(normalize(join(dirname(file), match[1] as string)));
        assert.ok(to === undefined || layerOf(to) === 0 || to === 'api', `${relative(SRC, file)}: ${match[1]}`);
      }
  });
});
