/**
 * Issue 6: "A client whose provider turns black-hole mid-download finishes the download through
 * another provider." A real `bandex devnet` whose cheapest provider is a `blackhole` that serves
 * 8 MiB honestly and then stops reading and writing; the client picks it. curl downloads 32 MiB
 * through the client's SOCKS5 port, resuming with a Range request when a transfer breaks
 * (curl `-C -` again after a broken transfer, as a download manager does). The client's watchdog finds the
 * hop silent, marks it, closes the path, and the retry goes through an honest provider: the file is
 * byte-identical, the black hole is not in the new path, and the client paid for the bytes it moved
 * once — not for a second copy.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Address } from 'viem';
import { TICK_BYTES } from '../../src/accounting/constants.ts';
import { tickValueFor } from '../../src/accounting/price.ts';
import { type DevnetProcess, getJson, startDevnetCli } from '../support/devnet.ts';
import { startOrigin } from '../support/tunnelHarness.ts';

const SIZE = 32 * 1024 * 1024;
const HONEST_BYTES = 8 * 1024 * 1024;

type ClientStatus = {
  bytesDown: number;
  bytesUp: number;
  paidWei: string;
  failovers: number;
  path: { provider: Address }[];
};

/**
 * curl with `-C -` until it finishes (at most 3 tries of 60 s): each try resumes from what the file
 * holds. After a failed try, `diagnose` says what the daemons were doing (kept for the failure message).
 */
async function curlResuming(
  args: string[],
  diagnose: () => Promise<string>,
): Promise<{ code: number; tries: number; errors: string[] }> {
  const errors: string[] = [];
  for (let tries = 1; ; tries++) {
    const code = await new Promise<number>((resolve) => {
      execFile('curl', ['-sS', '--fail', '--max-time', '60', '-C', '-', ...args], (error, _stdout, stderr) => {
        if (error) errors.push(stderr.trim());
        resolve(error ? Number(error.code ?? 1) : 0);
      });
    });
    if (code !== 0) errors.push(await diagnose());
    if (code === 0 || tries === 3) return { code, tries, errors };
    await sleep(1_000);
  }
}

/** The client's path and counters, each provider's sessions and counters, and their logs' last warnings. */
async function diagnose(info: DevnetProcess['info']): Promise<string> {
  const lines: string[] = [];
  const client = await getJson<Record<string, unknown>>(`${info.client.api}/api/status`).catch(String);
  lines.push(`client ${JSON.stringify(client)}`);
  for (const p of info.providers) {
    const s = await getJson<Record<string, unknown>>(`${p.api}/api/status`).catch(String);
    const { sessions, bytesServed, creditPauses } = s as Record<string, unknown>;
    const warnings = readFileSync(p.log, 'utf8')
      .split('\n')
      .filter((l) => /"level":(40|50)/.test(l))
      .slice(-3);
    lines.push(`${p.faulty ?? 'honest'} ${p.address}: ${JSON.stringify({ sessions, bytesServed, creditPauses })}`);
    for (const w of warnings) lines.push(`  ${w.slice(0, 400)}`);
  }
  return lines.join('\n');
}

describe('failover: the provider turns black hole mid-download', { timeout: 240_000 }, () => {
  let devnet: DevnetProcess;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bandex-failover-'));
    origin = await startOrigin(SIZE);
    devnet = await startDevnetCli(['--faulty', 'blackhole', '--faulty-after', String(HONEST_BYTES), '--auditors', '0']);
  });
  after(async () => {
    await devnet?.stop();
    await origin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the download finishes byte-identical through another provider; paid once', async (t) => {
    const { info } = devnet;
    const blackhole = info.providers.find((p) => p.faulty === 'blackhole');
    assert.ok(blackhole);
    const before = await getJson<ClientStatus>(`${info.client.api}/api/status`);
    assert.deepEqual(
      before.path.map((h) => h.provider),
      [blackhole.address],
      'the client starts on the cheapest provider: the black hole',
    );

    const file = join(dir, 'download.bin');
    const started = Date.now();
    const curl = await curlResuming(
      ['--socks5-hostname', info.socks, '-o', file, `http://127.0.0.1:${origin.port}/file`],
      () => diagnose(info),
    );
    const seconds = (Date.now() - started) / 1000;
    assert.equal(curl.code, 0, `curl finished:\n${curl.errors.join('\n')}`);
    const got = readFileSync(file);
    assert.equal(got.length, SIZE);
    assert.equal(
      createHash('sha256').update(got).digest('hex'),
      createHash('sha256').update(origin.body).digest('hex'),
      'byte-identical',
    );

    const after = await getJson<ClientStatus>(`${info.client.api}/api/status`);
    t.diagnostic(
      `finished in ${seconds.toFixed(1)} s after ${curl.tries} curl runs; failovers ${after.failovers}; curl said: ${curl.errors.join('; ')}`,
    );
    assert.ok(curl.tries >= 2, 'the first transfer broke when the provider turned black hole');
    assert.ok(after.failovers >= 1, 'the client failed over');
    assert.ok(after.path.length > 0);
    for (const hop of after.path) assert.notEqual(hop.provider, blackhole.address, 'the black hole is out of the path');
    const honest = info.providers.filter((p) => !p.faulty).map((p) => p.address);
    for (const hop of after.path) assert.ok(honest.includes(hop.provider));

    // Resumed, not restarted: the client moved the file about once (plus the request headers and what the
    // black hole swallowed), and paid for those bytes at most at the highest price, a tick per hop rounded up.
    const moved = after.bytesDown + after.bytesUp;
    assert.ok(moved < SIZE + 4 * 1024 * 1024, `the client moved ${moved} bytes for a ${SIZE}-byte file`);
    const highest = info.providers.reduce(
      (max, p) => (BigInt(p.priceWeiPerGiB) > max ? BigInt(p.priceWeiPerGiB) : max),
      0n,
    );
    const ceiling = tickValueFor(highest) * BigInt(Math.ceil(moved / TICK_BYTES) + 2 * (after.failovers + 1));
    t.diagnostic(`paid ${after.paidWei} wei for ${moved} bytes (ceiling ${ceiling})`);
    assert.ok(BigInt(after.paidWei) <= ceiling, 'nothing paid twice');
  });
});
