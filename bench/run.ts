/**
 * `npm run bench [-- --json] [--mib 1024] [--runs 5] [--requests 300] [--sessions 1000]`: the data-plane
 * suite. In one run, on loopback, curl downloads `--mib` MiB from a local nginx through each path —
 * `direct`, `shadowsocks` (shadowsocks-libev ss-local + ss-server, chacha20-ietf-poly1305),
 * `bandex1hopNoAccounting`, `bandex1hopObfs`, `bandex1hopWss` and `bandex1hopObfs4` (the same with hop 1 over
 * the obfs, wss or obfs4 transport, docs/transports.md; obfs4proxy's CPU counted with its Node parent), `bandex1hop` (paid: ticks and vouchers in the tunnel) and `bandex3hop` —
 * median of `--runs` interleaved runs (after one discarded warm-up download of up to 256 MiB per path; each
 * run starts one path further on); then `--requests` sequential 1 KiB GETs per path, each on a new
 * connection, in 3 interleaved rounds after 50 warm-up requests (latency p50/p99); then `--sessions` concurrent client sessions
 * (each its own Noise handshake) against one provider process: errors, the provider's memory per idle
 * session, and the aggregate throughput with every session downloading `--swarm-kib`; then the time to the first paid byte of
 * new client sessions on the devnet (`bench/devnet.ts`, in its own process; `--no-devnet` skips it).
 *
 * Every Bandex provider and client is its own process (`bench/support/node.ts`), like ss-server and
 * ss-local. Prints a table, or exactly one JSON line with `--json`; writes `bench/results/latest.json`.
 * `--profile` runs only the Bandex 1-hop paths with `--cpu-prof` on their processes (throughput runs and,
 * unless `--no-latency`, the latency requests: `--mib 1 --runs 1` profiles the per-connection path) and
 * prints the top self-time functions of each profile. Ratios matter, not absolute figures: the machine is shared.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { privateKeyToAccount } from 'viem/accounts';
import { DEFAULT_CREDIT_BYTES } from '../src/accounting/constants.ts';
import type { BenchChannel } from './support/accounting.ts';
import { type NodeChild, startNode } from './support/children.ts';
import { summarizeProfiles } from './support/profile.ts';
import { startNginx, startShadowsocks, writeBodyFile } from './support/servers.ts';
import { ensurePrograms, median, quantile } from './support/system.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    mib: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '5' },
    requests: { type: 'string', default: '300' },
    sessions: { type: 'string', default: '1000' },
    'swarm-kib': { type: 'string', default: '256' },
    paths: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-concurrency': { type: 'boolean', default: false },
    'no-latency': { type: 'boolean', default: false },
    'no-devnet': { type: 'boolean', default: false },
  },
});

/** Latency requests are made in this many interleaved rounds over the paths. */
const LATENCY_ROUNDS = 3;
/** MiB each path downloads once before the throughput runs (not counted). */
const WARMUP_MIB = 256;
/** Requests per path before the latency samples (not counted). */
const LATENCY_WARMUP = 50;
/** In the order they run: the paths a ratio compares sit next to each other (shadowsocks, then the unpaid
 * and the paid 1-hop tunnel), so they see the same moment of a shared machine. */
const PATHS = [
  'direct',
  'shadowsocks',
  'bandex1hopNoAccounting',
  'bandex1hopObfs',
  'bandex1hopWss',
  'bandex1hopObfs4',
  'bandex1hop',
  'bandex3hop',
] as const;
type PathName = (typeof PATHS)[number];
/** What a path's proxy processes have used: CPU seconds (user + system), read and write system calls. */
type Counters = { cpu: number; reads: number; writes: number };

const log = (line: string) => {
  if (!values.json) console.log(line);
  else process.stderr.write(`${line}\n`);
};

const mib = Number(values.mib);
const runs = Number(values.runs);
const requests = Number(values.requests);
const sessionCount = Number(values.sessions);
const swarmKib = Number(values['swarm-kib']);
let paths: PathName[] = values.paths ? (values.paths.split(',') as PathName[]) : [...PATHS];
if (values.profile) paths = paths.filter((p) => p.startsWith('bandex1hop'));
for (const p of paths) if (!PATHS.includes(p)) throw new Error(`unknown path ${p}; use ${PATHS.join(',')}`);

const programs = ensurePrograms(log);
const resultsDir = new URL('./results/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'bandex-bench-'));
const root = join(work, 'www');
mkdirSync(root);
const profileDir = join(resultsDir, 'tmp', `profile-${Date.now()}`);

/** Everything started, stopped in reverse order on the way out. */
const stoppers: (() => Promise<void>)[] = [];
const cleanup = async () => {
  for (const stop of stoppers.reverse()) await stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(programs.curl as string, args, { maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      error ? reject(new Error(`curl ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

const proxyArgs = (socksPort?: number) => (socksPort ? ['--socks5-hostname', `127.0.0.1:${socksPort}`] : []);

/** One download; returns bytes/s (curl's average), checking status and size. */
async function download(url: string, size: number, socksPort?: number): Promise<number> {
  const out = await curl([
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download} %{speed_download}',
    ...proxyArgs(socksPort),
    url,
  ]);
  const [code, got, speed] = out.trim().split(' ').map(Number) as [number, number, number];
  if (code !== 200 || got !== size)
    throw new Error(`download through ${socksPort ?? 'direct'}: HTTP ${code}, ${got}/${size} bytes`);
  return speed;
}

/** `count` sequential GETs of a small file, each on a new connection (nginx closes after each response); ms each. */
async function latencySamples(url: string, count: number, socksPort?: number): Promise<number[]> {
  const config = join(work, `latency-${socksPort ?? 'direct'}.curlrc`);
  writeFileSync(config, Array.from({ length: count }, () => `url = "${url}"\noutput = "/dev/null"\n`).join(''));
  const out = await curl(['-s', '-K', config, '-w', '%{http_code} %{time_total}\\n', ...proxyArgs(socksPort)]);
  const samples: number[] = [];
  for (const line of out.trim().split('\n')) {
    const [code, seconds] = line.split(' ').map(Number) as [number, number];
    if (code !== 200) throw new Error(`latency request through ${socksPort ?? 'direct'}: HTTP ${code}`);
    samples.push(seconds * 1000);
  }
  return samples;
}

function latencySummary(samples: number[]): { p50Ms: number; p99Ms: number; meanMs: number } {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50Ms: round(quantile(samples, 0.5)),
    p99Ms: round(quantile(samples, 0.99)),
    meanMs: round(samples.reduce((a, b) => a + b, 0) / samples.length),
  };
}

/** utime + stime of a process we started, in seconds (Linux /proc). */
function procCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function versions(): Record<string, string> {
  // nginx -v prints to stderr; ss-server -h exits non-zero: take the first line mentioning a version.
  const first = (file: string, args: string[]) => {
    const out = spawnSync(file, args, { encoding: 'utf8' });
    const lines = `${out.stdout ?? ''}\n${out.stderr ?? ''}`.split('\n').map((l) => l.trim());
    return lines.find((l) => /version|\d+\.\d+\.\d+/i.test(l)) ?? '';
  };
  return {
    node: process.version,
    nginx: first(programs.nginx as string, ['-v']),
    shadowsocks: first(programs['ss-server'] as string, ['-h']),
    curl: first(programs.curl as string, ['--version']),
  };
}

async function main(): Promise<void> {
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    loadavgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    ...versions(),
  };
  log(`preparing ${mib} MiB body, nginx, shadowsocks, Bandex providers and clients…`);
  writeBodyFile(join(root, 'big.bin'), mib << 20);
  writeBodyFile(join(root, 'warmup.bin'), Math.min(mib, WARMUP_MIB) << 20);
  writeBodyFile(join(root, 'small.bin'), 1024);
  writeBodyFile(join(root, 'swarm.bin'), swarmKib << 10);
  const nginx = await startNginx(programs.nginx as string, work, root);
  stoppers.push(nginx.stop);
  const base = `http://127.0.0.1:${nginx.port}`;

  const socksPorts: Partial<Record<PathName, number>> = {};
  /** CPU seconds (user + system) and system calls so far of each path's proxy processes. */
  const countersOf: Partial<Record<PathName, () => Promise<Counters>>> = {};
  const children: NodeChild[] = [];
  const childCounters = (group: NodeChild[]) => async () => {
    const total = { cpu: 0, reads: 0, writes: 0 };
    for (const c of group) {
      const stats = await c.request('stats');
      const { user, system } = stats.cpu as { user: number; system: number };
      const io = stats.io as { reads: number; writes: number };
      total.cpu += (user + system) / 1e6;
      total.reads += io.reads;
      total.writes += io.writes;
    }
    return total;
  };
  /** Children started since `from`, for one path's CPU figure. */
  const since = (from: number) => children.slice(from);
  const node = async (args: string[], env?: Record<string, string>, profile = false) => {
    const execArgv = profile
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          profileDir,
          '--cpu-prof-name',
          `${args[0]}-${paths.join('')}-${children.length}.cpuprofile`,
        ]
      : [];
    const child = await startNode(args, { env, execArgv });
    children.push(child);
    stoppers.push(child.stop);
    return child;
  };
  const provider = async (accounting = false, profile = false, env?: Record<string, string>, transport?: string) =>
    (
      await node(
        ['provider', ...(accounting ? ['--accounting'] : []), ...(transport ? ['--transport', transport] : [])],
        env,
        profile,
      )
    ).ready as { port: number; publicKey: string };
  const client = async (hops: unknown[], accounting = false, profile = false, env?: Record<string, string>) =>
    (
      (await node(['client', '--hops', JSON.stringify(hops), ...(accounting ? ['--accounting'] : [])], env, profile))
        .ready as { socksPort: number }
    ).socksPort;

  if (paths.includes('shadowsocks')) {
    const ss = await startShadowsocks({
      server: programs['ss-server'] as string,
      local: programs['ss-local'] as string,
    });
    stoppers.push(ss.stop);
    socksPorts.shadowsocks = ss.socksPort;
    // shadowsocks-libev uses send/recv, which /proc/<pid>/io does not count: no system-call figure for it.
    countersOf.shadowsocks = async () => ({
      cpu: procCpuSeconds(ss.serverPid) + procCpuSeconds(ss.localPid),
      reads: Number.NaN,
      writes: Number.NaN,
    });
  }
  if (paths.includes('bandex1hopNoAccounting')) {
    const from = children.length;
    const p = await provider(false, values.profile);
    socksPorts.bandex1hopNoAccounting = await client([p], false, values.profile);
    countersOf.bandex1hopNoAccounting = childCounters(since(from));
  }
  // The transports (issue 20): the unpaid 1-hop tunnel with hop 1 reached over obfs or wss instead of plain.
  for (const [path, transport] of [
    ['bandex1hopObfs', 'obfs'],
    ['bandex1hopWss', 'wss'],
    ['bandex1hopObfs4', 'obfs4'],
  ] as const) {
    if (!paths.includes(path)) continue;
    const from = children.length;
    const p = await provider(false, values.profile, undefined, transport);
    socksPorts[path] = await client([p], false, values.profile);
    countersOf[path] = childCounters(since(from));
  }
  if (paths.includes('bandex3hop')) {
    const from = children.length;
    const hops = [await provider(), await provider(), await provider()];
    socksPorts.bandex3hop = await client(hops);
    countersOf.bandex3hop = childCounters(since(from));
  }
  let channel: BenchChannel | undefined;
  if (paths.includes('bandex1hop')) {
    const privateKey = `0x${randomBytes(32).toString('hex')}` as const;
    channel = {
      payer: privateKeyToAccount(privateKey).address,
      channelId: `0x${randomBytes(32).toString('hex')}`,
      chainId: 31337,
      channels: `0x${randomBytes(20).toString('hex')}`,
      deposit: (10n ** 24n).toString(),
      priceWeiPerGiB: (10n ** 15n).toString(),
      creditBytes: DEFAULT_CREDIT_BYTES, // what a client asks its hops for
      providerKey: `0x${randomBytes(32).toString('hex')}`,
      registry: `0x${randomBytes(20).toString('hex')}`,
      sessionNonce: `0x${randomBytes(32).toString('hex')}`,
      dir: work,
    };
    const from = children.length;
    const p = await provider(true, values.profile, { BENCH_CHANNEL: JSON.stringify(channel) });
    socksPorts.bandex1hop = await client([p], true, values.profile, {
      BENCH_CHANNEL: JSON.stringify({ ...channel, privateKey }),
    });
    countersOf.bandex1hop = childCounters(since(from));
  }

  // Warm-up, discarded: a fresh process is slower for its first few hundred MiB (V8 tiers up the hot
  // path, heaps and socket buffers grow), which would otherwise land in the first run of every path.
  const warmupMib = Math.min(mib, WARMUP_MIB);
  for (const path of paths) {
    await download(`${base}/warmup.bin`, warmupMib << 20, socksPorts[path]);
    log(`  warm-up ${path.padEnd(22)} ${warmupMib} MiB`);
  }
  // Throughput: runs interleaved so a burst of load elsewhere hits every path alike, and each run starts
  // one path further on, so no path always follows the same one (the 3-hop path leaves work behind).
  const samples = Object.fromEntries(paths.map((p) => [p, [] as number[]])) as Record<PathName, number[]>;
  const used: Partial<Record<PathName, Counters>> = {};
  for (let run = 0; run < runs; run++) {
    for (const path of [...paths.slice(run % paths.length), ...paths.slice(0, run % paths.length)]) {
      const before = await countersOf[path]?.();
      const speed = await download(`${base}/big.bin`, mib << 20, socksPorts[path]);
      const after = await countersOf[path]?.();
      if (before && after) {
        const sum = used[path] ?? { cpu: 0, reads: 0, writes: 0 };
        used[path] = {
          cpu: sum.cpu + after.cpu - before.cpu,
          reads: sum.reads + after.reads - before.reads,
          writes: sum.writes + after.writes - before.writes,
        };
      }
      samples[path].push(speed);
      log(`  run ${run + 1}/${runs} ${path.padEnd(24)} ${(speed / 1e6).toFixed(1).padStart(8)} MB/s`);
    }
  }
  const throughput = Object.fromEntries(paths.map((p) => [p, Math.round(median(samples[p]))])) as Record<
    PathName,
    number
  >;
  // CPU of the proxy processes (not curl, not nginx) per GiB carried: insensitive to how busy the machine is.
  const gib = (runs * mib) / 1024;
  const cpuSecondsPerGiB = Object.fromEntries(
    Object.entries(used).map(([p, u]) => [p, Math.round((u.cpu / gib) * 1000) / 1000]),
  );
  // read/readv and write/writev calls per GiB (Node's TCP writes): shows whether payments add system calls.
  const syscallsPerGiB = Object.fromEntries(
    Object.entries(used)
      .filter(([, u]) => Number.isFinite(u.writes))
      .map(([p, u]) => [p, { reads: Math.round(u.reads / gib), writes: Math.round(u.writes / gib) }]),
  );

  const latencyResults: Partial<Record<PathName, { p50Ms: number; p99Ms: number; meanMs: number }>> = {};
  if (!values['no-latency']) {
    // Interleaved like the throughput runs: LATENCY_ROUNDS rounds of requests / LATENCY_ROUNDS per path, so a
    // burst of load elsewhere does not land on one path only.
    const latencyRaw = Object.fromEntries(paths.map((p) => [p, [] as number[]])) as Record<PathName, number[]>;
    const perRound = Math.ceil(requests / LATENCY_ROUNDS);
    // Warm-up, discarded: the throughput runs made only a few connections, so the per-connection code of
    // the Node processes is still cold (interpreted) at this point.
    for (const path of paths) await latencySamples(`${base}/small.bin`, LATENCY_WARMUP, socksPorts[path]);
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      for (const path of paths) {
        latencyRaw[path].push(...(await latencySamples(`${base}/small.bin`, perRound, socksPorts[path])));
      }
    }
    for (const path of paths) {
      latencyResults[path] = latencySummary(latencyRaw[path]);
      log(`  latency ${path.padEnd(24)} p50 ${latencyResults[path].p50Ms} ms  p99 ${latencyResults[path].p99Ms} ms`);
    }
  }

  const accountingStats: Record<string, unknown> = {};
  for (const child of children) {
    const stats = await child.request('stats');
    if (stats.accounting) accountingStats[String(child.ready.port ? 'provider' : 'client')] = stats.accounting;
  }

  let concurrency: Record<string, unknown> | undefined;
  if (!values['no-concurrency'] && !values.profile && sessionCount > 0) {
    log(`  ${sessionCount} concurrent sessions against one provider…`);
    concurrency = await runConcurrency(nginx.port);
  }

  let devnet: Record<string, unknown> | undefined;
  if (!values['no-devnet'] && !values.profile) {
    log('  devnet: time to the first paid byte of new sessions…');
    devnet = await runDevnet();
  }

  if (values.profile) {
    for (const child of children) await child.stop();
    const summary = summarizeProfiles(profileDir, 20);
    log(summary.text);
  }

  const t = throughput as Partial<Record<PathName, number>>;
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? Math.round((a / b) * 1000) / 1000 : undefined);
  const ratios = {
    bandex1hopVsShadowsocks: ratio(t.bandex1hop, t.shadowsocks),
    bandex1hopNoAccountingVsShadowsocks: ratio(t.bandex1hopNoAccounting, t.shadowsocks),
    bandex3hopVsShadowsocks: ratio(t.bandex3hop, t.shadowsocks),
    bandex3hopVsBandex1hop: ratio(t.bandex3hop, t.bandex1hopNoAccounting),
    // Issue 20's target: the obfuscated transports within 15 % of plain (throughput ≥ 0.85, CPU ≤ 1.15).
    obfsVsPlain: ratio(t.bandex1hopObfs, t.bandex1hopNoAccounting),
    wssVsPlain: ratio(t.bandex1hopWss, t.bandex1hopNoAccounting),
    obfsCpuVsPlain: ratio(cpuSecondsPerGiB.bandex1hopObfs, cpuSecondsPerGiB.bandex1hopNoAccounting),
    wssCpuVsPlain: ratio(cpuSecondsPerGiB.bandex1hopWss, cpuSecondsPerGiB.bandex1hopNoAccounting),
    // obfs4 through obfs4proxy (its processes' CPU counted with their Node parents): the interoperable choice.
    obfs4VsPlain: ratio(t.bandex1hopObfs4, t.bandex1hopNoAccounting),
    obfs4CpuVsPlain: ratio(cpuSecondsPerGiB.bandex1hopObfs4, cpuSecondsPerGiB.bandex1hopNoAccounting),
    shadowsocksVsDirect: ratio(t.shadowsocks, t.direct),
    bandex1hopVsDirect: ratio(t.bandex1hop, t.direct),
    accountingOverhead:
      t.bandex1hop !== undefined && t.bandex1hopNoAccounting
        ? Math.round((1 - t.bandex1hop / t.bandex1hopNoAccounting) * 1000) / 1000
        : undefined,
    // The same, from the runs paired as they ran (the two paths back to back): 1 − the median of paid/unpaid
    // per run. A drift of the machine's speed over the runs moves the ratio of medians, not this.
    accountingOverheadPaired:
      samples.bandex1hop?.length && samples.bandex1hopNoAccounting?.length
        ? Math.round(
            (1 -
              median(samples.bandex1hop.map((paid, run) => paid / (samples.bandex1hopNoAccounting[run] as number)))) *
              1000,
          ) / 1000
        : undefined,
    latencyP50AddedVsShadowsocksMs:
      latencyResults.bandex1hop && latencyResults.shadowsocks
        ? Math.round((latencyResults.bandex1hop.p50Ms - latencyResults.shadowsocks.p50Ms) * 1000) / 1000
        : undefined,
  };
  const result = {
    date: new Date().toISOString(),
    unit: 'bytes/s',
    mib,
    runs,
    throughput,
    samples,
    cpuSecondsPerGiB,
    syscallsPerGiB,
    ratios,
    latency: latencyResults,
    latencyRequests: requests,
    concurrency,
    devnet,
    accounting: channel ? { creditBytes: channel.creditBytes, ...accountingStats } : undefined,
    machine: { ...machine, loadavgAtEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
  };
  // Only a complete run replaces latest.json (what docs/performance.md and the chart show).
  const complete = paths.length === PATHS.length && concurrency && Object.keys(latencyResults).length === PATHS.length;
  const file = complete ? join(resultsDir, 'latest.json') : join(resultsDir, 'tmp', 'partial.json');
  mkdirSync(join(resultsDir, 'tmp'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`results written to ${file}`);
  if (values.json) console.log(JSON.stringify(result));
  else printTable(result);
}

/** `bench/devnet.ts` in its own process (it loads the whole daemon stack); its JSON line, or the error. */
function runDevnet(): Promise<Record<string, unknown>> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [new URL('./devnet.ts', import.meta.url).pathname, '--json', '--sessions', '3'],
      { maxBuffer: 1 << 24, timeout: 300_000 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
        } catch {
          resolve({ error: String(error?.message ?? stderr.slice(-500)) });
        }
      },
    ),
  );
}

const mem = ({ rss, heapUsed, external, sessions }: Record<string, unknown>) => ({ rss, heapUsed, external, sessions });

async function runConcurrency(originPort: number): Promise<Record<string, unknown>> {
  const provider = await startNode(['provider']);
  stoppers.push(provider.stop);
  const swarm = await startNode(['swarm']);
  stoppers.push(swarm.stop);
  const before = await provider.request('memory');
  const connected = await swarm.request('connect', { count: sessionCount, parallel: 32, hop: provider.ready });
  await new Promise((r) => setTimeout(r, 500));
  const idle = await provider.request('memory');
  const downloaded = await swarm.request('download', { port: originPort, path: '/swarm.bin' });
  const after = await provider.request('memory');
  await swarm.request('close');
  const perSession = (key: string) => Math.round(((idle[key] as number) - (before[key] as number)) / sessionCount);
  await swarm.stop();
  await provider.stop();
  const errors =
    (connected.failed as number) + (downloaded.failed as number) + (sessionCount - (downloaded.open as number));
  return {
    sessions: sessionCount,
    connected: connected.connected,
    connectSeconds: Math.round(connected.ms as number) / 1000,
    providerSessions: idle.sessions,
    errors,
    errorSamples: [...new Set([...(connected.errors as string[]), ...(downloaded.errors as string[])])],
    memoryPerIdleSession: {
      rssBytes: perSession('rss'),
      heapUsedBytes: perSession('heapUsed'),
      externalBytes: perSession('external'),
    },
    providerMemory: { before: mem(before), idle: mem(idle), afterDownload: mem(after) },
    downloadBytesPerSession: swarmKib << 10,
    aggregateThroughput: Math.round(downloaded.bytesPerSecond as number),
    downloadSeconds: Math.round((downloaded.seconds as number) * 1000) / 1000,
  };
}

function printTable(result: {
  throughput: Partial<Record<PathName, number>>;
  latency: Partial<Record<PathName, { p50Ms: number; p99Ms: number }>>;
  cpuSecondsPerGiB: Partial<Record<string, number>>;
  syscallsPerGiB: Partial<Record<string, { reads: number; writes: number }>>;
  ratios: Record<string, number | undefined>;
  concurrency?: Record<string, unknown>;
  devnet?: Record<string, unknown>;
  mib: number;
  runs: number;
}): void {
  console.log(
    `\nloopback, curl downloading ${result.mib} MiB from nginx, median of ${result.runs}; latency: ${requests} × 1 KiB GET, new connection each`,
  );
  console.log(
    `${'path'.padEnd(24)} ${'MB/s'.padStart(9)} ${'CPU s/GiB'.padStart(10)} ${'writes/GiB'.padStart(11)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
  );
  for (const path of paths) {
    const l = result.latency[path];
    console.log(
      `${path.padEnd(24)} ${((result.throughput[path] ?? 0) / 1e6).toFixed(1).padStart(9)} ${(result.cpuSecondsPerGiB[path]?.toFixed(2) ?? '-').padStart(10)} ${String(result.syscallsPerGiB[path]?.writes ?? '-').padStart(11)} ${(l ? l.p50Ms.toFixed(3) : '-').padStart(8)} ${(l ? l.p99Ms.toFixed(3) : '-').padStart(8)}`,
    );
  }
  console.log('');
  for (const [k, v] of Object.entries(result.ratios)) if (v !== undefined) console.log(`${k.padEnd(36)} ${v}`);
  const c = result.concurrency;
  if (c) {
    const m = c.memoryPerIdleSession as { rssBytes: number; heapUsedBytes: number };
    console.log(
      `\n${c.sessions} sessions on one provider: ${c.errors} errors, ${(m.rssBytes / 1024).toFixed(1)} KiB RSS (${(m.heapUsedBytes / 1024).toFixed(1)} KiB heap) per idle session, ${((c.aggregateThroughput as number) / 1e6).toFixed(1)} MB/s aggregate (${c.downloadBytesPerSession} B each)`,
    );
  }
  const d = result.devnet;
  if (d) {
    console.log(
      d.error
        ? `\ndevnet: ${d.error}`
        : `\nnew session on the devnet (median of ${d.sessions}): path ${d.pathMs} ms, first byte ${d.firstByteMs} ms, first paid byte ${d.firstPaidByteMs} ms`,
    );
  }
}

try {
  await main();
} finally {
  await cleanup();
}
