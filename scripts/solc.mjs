#!/usr/bin/env node
// A `solc` binary for forge, backed by the `solc` npm package (WebAssembly).
//
// forge cannot download a compiler on an offline machine, so `contracts/foundry.toml`
// names this script as its `solc`. forge calls it twice:
//   - `solc --version`: we answer with the line forge parses,
//     `Version: 0.8.N+commit.HASH.Linux.g++` (forge expects a native build string);
//   - `solc [--base-path P] [--include-path P]... [--allow-paths P] --standard-json`:
//     we read the standard JSON input on stdin, compile it with `solc.compile`,
//     and write the standard JSON output on stdout.
// Imports that forge did not inline are read from the base and include paths.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const solc = require('solc');

const args = process.argv.slice(2);

if (args.includes('--version') || args.includes('-v')) {
  const [, semver, hash] = /^([0-9.]+)\+commit\.([0-9a-f]+)/.exec(solc.version()) ?? [];
  process.stdout.write(
    `solc, the solidity compiler commandline interface\nVersion: ${semver}+commit.${hash}.Linux.g++\n`,
  );
  process.exit(0);
}

if (!args.includes('--standard-json')) {
  process.stderr.write('scripts/solc.mjs only supports --version and --standard-json (it serves forge)\n');
  process.exit(2);
}

const roots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base-path' || args[i] === '--include-path') roots.push(args[++i]);
}
if (roots.length === 0) roots.push(process.cwd());

function findImport(path) {
  const candidates = isAbsolute(path) ? [path] : roots.map((root) => resolve(root, path));
  for (const file of candidates) {
    try {
      return { contents: readFileSync(file, 'utf8') };
    } catch {}
  }
  return { error: `File not found: ${path} (searched ${roots.join(', ')})` };
}

const input = readFileSync(0, 'utf8');
process.stdout.write(solc.compile(input, { import: findImport }));
