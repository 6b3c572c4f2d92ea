#!/usr/bin/env node
// The `bandex` command. Bandex is TypeScript run directly by Node 24 (type stripping);
// when the `node` that started this shim is older, re-run under the Node 24 that the
// package pins in node_modules (the `node` devDependency), or say how to get one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src/cli/main.ts');
const [major, minor] = process.versions.node.split('.').map(Number);
const stripsTypes = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);

if (stripsTypes) {
  await import(main);
} else {
  const pinned = join(root, 'node_modules/node/bin/node');
  if (!existsSync(pinned)) {
    console.error(
      `bandex: Node ${process.versions.node} cannot run Bandex; install Node 24 or run \`npm install\` in ${root}`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
