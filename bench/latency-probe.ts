/**
 * `node bench/latency-probe.ts [--requests 20]`: where a small request's time goes, per path — curl's
 * connect, proxy negotiation (pretransfer), first byte and total, medians over `--requests` new
 * connections. For chasing the latency figure of `npm run bench`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startNode } from './support/children.ts';
import { startNginx, startShadowsocks, writeBodyFile } from './support/servers.ts';
import { ensurePrograms, median } from './support/system.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '20' } } });
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
try {
  for (const [name, port] of paths) {
    const rows: number[][] = [];
    for (let i = 0; i < Number(values.requests); i++) {
      const out = execFileSync(programs.curl as string, [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        fields.map((f) => `%{${f}}`).join(' '),
        ...(port ? ['--socks5-hostname', `127.0.0.1:${port}`] : []),
        `http://127.0.0.1:${nginx.port}/small.bin`,
      ]).toString();
      rows.push(out.split(' ').map((x) => Number(x) * 1000));
    }
    const cols = fields.map(
      (f, i) => `${f.replace('time_', '')} ${median(rows.map((r) => r[i] as number)).toFixed(3)}`,
    );
    console.log(`${name.padEnd(12)} ${cols.join('  ')} ms`);
  }
} finally {
  await client.stop();
  await provider.stop();
  await ss.stop();
  await nginx.stop();
  rmSync(work, { recursive: true, force: true });
}
