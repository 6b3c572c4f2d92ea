/**
 * The main job (`npm start` = `bandex devnet`): the summary for a person names the dashboard first,
 * then where to point curl; the demo traffic generator makes earnings grow with no traffic from the
 * test; Ctrl-C (SIGINT) stops everything and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BANDEX, ROOT } from '../support/cli.ts';

type DevnetStatus = { providers: { address: string; earnedWei: string }[]; client: { paidWei: string } };

test('npm start: dashboard URL first, demo traffic moves earnings, Ctrl-C stops everything', {
  timeout: 180_000,
}, async () => {
  const child = spawn(process.execPath, [BANDEX, 'devnet'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no summary within 120 s; stderr: ${stderr}`)), 120_000);
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Ctrl-C')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}; stderr: ${stderr}`)));
    });
    const lines = stdout.split('\n').filter((line) => line.trim());
    const firstUrl = lines.find((line) => /http:\/\//.test(line)) ?? '';
    assert.match(firstUrl, /dashboard: http:\/\/127\.0\.0\.1:\d+\//, 'the dashboard comes first');
    const dashboard = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(firstUrl)?.[1] as string;
    assert.match(stdout, /Demo traffic is running/);
    assert.match(stdout, /curl --socks5-hostname 127\.0\.0\.1:\d+/);
    assert.match(stdout, /curl --proxy http:\/\/127\.0\.0\.1:\d+/);
    assert.match(stdout, /\/metrics/);

    // Nobody but the demo sends traffic: the providers' earnings and the client's spend still grow.
    const read = async () => (await (await fetch(`${dashboard}/api/status`)).json()) as DevnetStatus;
    const earned = (s: DevnetStatus) => s.providers.reduce((sum, p) => sum + BigInt(p.earnedWei), 0n);
    const first = await read();
    assert.equal(first.providers.length, 3);
    const deadline = Date.now() + 60_000;
    let now = first;
    while (earned(now) <= earned(first) && Date.now() < deadline) {
      await sleep(1_000);
      now = await read();
    }
    assert.ok(earned(now) > earned(first), `earnings grew: ${earned(first)} → ${earned(now)}`);
    assert.ok(BigInt(now.client.paidWei) > 0n, 'the client paid');
    const page = await fetch(`${dashboard}/`);
    assert.equal(page.status, 200, 'the dashboard page is built (npm start builds it first)');
  } finally {
    child.kill('SIGINT');
  }
  assert.equal(await exited, 0, `Ctrl-C exits 0; stderr: ${stderr}`);
});
