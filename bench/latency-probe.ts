/**
 * `node bench/latency-probe.ts [--requests 200] [--paid]`: where a small request's time goes, per path —
 * curl's connect, proxy negotiation (pretransfer), first byte and total, medians over `--requests`
 * sequential new connections made by one curl process (as the bench's latency figure is measured).
 * For chasing the latency figure of `npm run bench`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startNode } from './support/children.ts';
import { startNginx, startShadowsocks, writeBodyFile } from './support/servers.ts';
import { ensurePrograms, median } from './support/system.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' } } });
const programs = ensurePrograms(console.log);
const work = mkdtempSync(join(tmpdir(), 'bandex-probe-'));
mkdirSync(join(work, 'www'));
writeBodyFile(join(work, 'www', 'small.bin'), 1024);
const nginx = await startNginx(programs.nginx as string, work, join(work, 'www'));
const ss = await startShadowsocks({ server: programs['ss-server'] as string, local: programs['ss-local'] as string });
const provider = await startNode(['provider']);
const client = await startNode(['client', '--hops', JSON.stringify([provider.ready])]);
const paths: [string, number | undefined][] = [
  ['direct', undefined],
  ['shadowsocks', ss.socksPort],
  ['bandex1hop', client.ready.socksPort as number],
];
const fields = ['time_connect', 'time_pretransfer', 'time_starttransfer', 'time_total'];
const count = Number(values.requests);
const config = join(work, 'probe.curlrc');
writeFileSync(
  config,
  Array.from({ length: count }, () => `url = "http://127.0.0.1:${nginx.port}/small.bin"\noutput = "/dev/null"\n`).join(
    '',
  ),
);
try {
  for (let round = 0; round < 2; round++) {
    for (const [name, port] of paths) {
      const out = execFileSync(programs.curl as string, [
        '-s',
        '-K',
        config,
        '-w',
        `${fields.map((f) => `%{${f}}`).join(' ')}\\n`,
        ...(port ? ['--socks5-hostname', `127.0.0.1:${port}`] : []),
      ]).toString();
      const rows = out
        .trim()
        .split('\n')
        .map((line) => line.split(' ').map((x) => Number(x) * 1000));
      const cols = fields.map(
        (f, i) => `${f.replace('time_', '')} ${median(rows.map((r) => r[i] as number)).toFixed(3)}`,
      );
      console.log(`${name.padEnd(12)} ${cols.join('  ')} ms`);
    }
  }
} finally {
  await client.stop();
  await provider.stop();
  await ss.stop();
  await nginx.stop();
  rmSync(work, { recursive: true, force: true });
}
