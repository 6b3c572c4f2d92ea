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

// The long-running commands move every byte through node:crypto, which allocates a fresh 64 KiB buffer
// per tunnel record; with glibc's default 128 KiB trim threshold the heap shrinks after each collection
// and the next records page-fault it back in (measured: ~30,000 page faults per GiB in the client).
// Keeping up to 256 MiB of freed heap (and mmapping only allocations above 4 MiB) removes them
// (docs/performance.md). glibc reads these variables only at start-up, hence the re-exec (same pid).
const daemons = new Set(['connect', 'node', 'audit', 'devnet']);
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const mallocEnv =
  process.platform === 'linux' && daemons.has(command) && process.env.MALLOC_TRIM_THRESHOLD_ === undefined
    ? { ...process.env, MALLOC_TRIM_THRESHOLD_: '268435456', MALLOC_MMAP_THRESHOLD_: '4194304' }
    : undefined;

if (stripsTypes && mallocEnv && typeof process.execve === 'function') {
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    mallocEnv,
  );
} else if (stripsTypes) {
  await import(main);
} else {
  const pinned = join(root, 'node_modules/node/bin/node');
  if (!existsSync(pinned)) {
    console.error(
      `bandex: Node ${process.versions.node} cannot run Bandex; install Node 24 or run \`npm install\` in ${root}`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [main, ...process.argv.slice(2)], { stdio: 'inherit', env: mallocEnv ?? process.env });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
