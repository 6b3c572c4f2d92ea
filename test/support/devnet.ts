/** A real `bandex devnet --json` process for end-to-end tests, and what those tests do with it. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DevnetInfo } from '../../src/devnet/startDevnet.ts';
import { startCli } from './cli.ts';

export type DevnetProcess = { info: DevnetInfo; stop(): Promise<void> };

/** Starts `bandex devnet --json ...args`; resolves once its JSON line is out. */
export async function startDevnetCli(args: string[]): Promise<DevnetProcess> {
  const devnet = await startCli(['devnet', '--json', ...args], 120_000);
  return {
    info: JSON.parse(devnet.firstLine) as DevnetInfo,
    stop: () =>
      new Promise<void>((resolve) => {
        if (devnet.child.exitCode !== null) return resolve();
        devnet.child.once('exit', () => resolve());
        devnet.child.kill('SIGTERM');
      }),
  };
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `GET ${url}`);
  return (await response.json()) as T;
}

/** Polls `probe` every 500 ms until it returns a value; throws after `timeoutMs`. */
export async function pollFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** Runs curl with `args` (stdout is the body); resolves with the body's sha256, rejects with curl's stderr. */
export function curlSha256(args: string[], maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '--fail', '--max-time', '60', ...args],
      { encoding: 'buffer', maxBuffer: 2 * maxBytes },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`curl failed: ${stderr.toString()}`));
        else resolve(createHash('sha256').update(stdout).digest('hex'));
      },
    );
  });
}
