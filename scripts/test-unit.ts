/**
 * `npm run test:unit`: every `*.test.ts` under src/ and test/, two files at a time, then the tests that measure
 * time-sensitive behaviour of a whole devnet (audits' capacity measurements and slashes, the probe classifier,
 * a transport classifier with timing features) one at a time, after the rest: next to a proving or a
 * namespace test, two cores are too few for their measurements to mean what they assert.
 */
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERIAL = [
  'test/e2e/audit.e2e.test.ts',
  'test/e2e/sybilAuditors.e2e.test.ts',
  'test/e2e/probes.e2e.test.ts',
  'test/e2e/probeClassifier.e2e.test.ts',
  'test/e2e/transportFingerprint.test.ts',
];
/**
 * A test (suite, hook) that runs longer than 10 minutes fails, and a file whose tests are done exits even if a
 * socket or timer it forgot would keep it alive: a hang costs minutes, not CI's whole budget (a UDP test once
 * left a socket open after failing and held the run for 84 minutes). The longest suite takes about 4 minutes.
 */
const GUARDS = ['--test-timeout=600000', '--test-force-exit'];
const all = [...globSync('src/**/*.test.ts', { cwd: root }), ...globSync('test/**/*.test.ts', { cwd: root })].sort();
const parallel = all.filter((f) => !SERIAL.includes(f));
const run = (files: string[], concurrency: number) =>
  spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...GUARDS, ...files], {
    cwd: root,
    stdio: 'inherit',
  }).status ?? 1;
const first = run(parallel, 2);
const second = run(SERIAL, 1);
process.exitCode = first || second;
