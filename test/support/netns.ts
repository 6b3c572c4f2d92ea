/**
 * Network namespaces for end-to-end tests (Linux, root): one namespace per daemon, each joined to the
 * root namespace by a veth pair (root side 10.77.N.1/24, namespace side 10.77.N.2/24, default route via
 * the root side), with forwarding on the root-side veths only so traffic between namespaces routes
 * through the root namespace. Optionally `tc netem` impairs every namespace's link; `limitEgress` puts a
 * `tc tbf` rate limit on one. Daemons run in a namespace (`startDaemonIn`) or in the root namespace
 * (`startDaemonInRoot`). Everything is removed by `destroy()` — and, as a last resort, when the test
 * process exits.
 */
import { type ChildProcessWithoutNullStreams, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { BANDEX, firstStdoutLine, ROOT } from './cli.ts';

/** The impairment issue #5 asks for: every namespace link delays 40 ms and drops 1 % of packets. */
export const NETEM_ARGS = ['delay', '40ms', 'loss', '1%'] as const;

export type NetnsSupport = {
  /** Why namespaces cannot be used here (the test must skip with this); undefined when they can. */
  skip?: string;
  /** Why `tc netem` is unavailable; undefined when it works. */
  noNetem?: string;
};

function run(command: string, args: string[]): { ok: boolean; output: string; missing: boolean } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  const output = `${result.stderr ?? ''}${result.stdout ?? ''}${result.error ? result.error.message : ''}`.trim();
  return { ok: result.status === 0, output, missing };
}

/** Decides, before any test runs, whether this machine can run the namespace tests (and netem). */
export function probeNetnsSupport(): NetnsSupport {
  if (process.platform !== 'linux') return { skip: `network namespaces need Linux, not ${process.platform}` };
  const tools: [string, string[], string][] = [
    ['ip', ['-V'], 'iproute2 (the `ip` command)'],
    ['tc', ['-V'], 'iproute2 (the `tc` command)'],
    ['curl', ['--version'], 'curl'],
  ];
  for (const [command, args, pkg] of tools) {
    if (run(command, args).missing) return { skip: `the Debian package ${pkg} is not installed` };
  }
  const probe = `bx-${process.pid}-probe`;
  const add = run('ip', ['netns', 'add', probe]);
  if (!add.ok) return { skip: `cannot create a network namespace (\`ip netns add\` failed: ${add.output})` };
  try {
    const lo = run('ip', ['netns', 'exec', probe, 'ip', 'link', 'set', 'lo', 'up']);
    if (!lo.ok) return { skip: `cannot run commands in a network namespace (\`ip netns exec\`: ${lo.output})` };
    const veth = run('ip', [
      'netns',
      'exec',
      probe,
      'ip',
      'link',
      'add',
      'bxprobe0',
      'type',
      'veth',
      'peer',
      'bxprobe1',
    ]);
    if (!veth.ok) return { skip: `cannot create a veth pair (\`ip link add type veth\`: ${veth.output})` };
    const netem = run('ip', [
      'netns',
      'exec',
      probe,
      'tc',
      'qdisc',
      'add',
      'dev',
      'lo',
      'root',
      'netem',
      'delay',
      '1ms',
    ]);
    return netem.ok
      ? {}
      : { noNetem: `this kernel has no netem qdisc (\`tc qdisc add … netem\`: ${netem.output || 'failed'})` };
  } finally {
    run('ip', ['netns', 'del', probe]);
  }
}

export type Namespace = {
  name: string;
  /** Address of the namespace's end of its veth (10.77.N.2). */
  ip: string;
  /** Address of the root namespace's end (10.77.N.1): the namespace's gateway. */
  gateway: string;
  /** Name of the veth inside the namespace (where netem goes). */
  veth: string;
  /** Name of the veth in the root namespace. */
  rootVeth: string;
};

export type Topology = {
  namespaces: Namespace[];
  /** Whether netem impairs the links. */
  netem: boolean;
  destroy(): void;
};

const live = new Set<Topology>();
const liveChildren = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

/** Last resort when the test process exits without its after hooks: kill daemons, delete namespaces. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const t of live) t.destroy();
  });
}

function sh(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

/** Third octets of 10.77.X.0/24 that no interface of the root namespace uses yet. */
function freeSubnets(count: number): number[] {
  const used = new Set<number>();
  for (const match of sh(['-o', '-4', 'addr', 'show']).matchAll(/inet 10\.77\.(\d+)\./g)) used.add(Number(match[1]));
  const free: number[] = [];
  const start = process.pid % 250;
  for (let i = 0; i < 254 && free.length < count; i++) {
    const octet = ((start + i) % 254) + 1;
    if (!used.has(octet)) free.push(octet);
  }
  if (free.length < count) throw new Error(`no ${count} free subnets left in 10.77.0.0/16`);
  return free;
}

/**
 * Creates `names.length` namespaces named `bx-<pid>-<name>`, each linked to the root namespace.
 * With `netem`, every namespace's veth gets `tc qdisc … netem delay 40ms loss 1%` on egress (so a
 * round trip between two namespaces crosses two impaired links).
 */
export function createTopology(names: string[], { netem }: { netem: boolean }): Topology {
  const namespaces: Namespace[] = [];
  const topology: Topology = {
    namespaces,
    netem,
    destroy: () => {
      live.delete(topology);
      for (const ns of namespaces) {
        // Deleting the namespace deletes its veth end, and with it the pair; the link del covers a half-built one.
        spawnSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore' });
        spawnSync('ip', ['link', 'del', ns.rootVeth], { stdio: 'ignore' });
      }
    },
  };
  live.add(topology);
  installExitHook();
  try {
    const subnets = freeSubnets(names.length);
    for (const [i, name] of names.entries()) {
      const octet = subnets[i] as number;
      const ns: Namespace = {
        name: `bx-${process.pid}-${name}`,
        ip: `10.77.${octet}.2`,
        gateway: `10.77.${octet}.1`,
        veth: `bx${process.pid}${i}n`,
        rootVeth: `bx${process.pid}${i}r`,
      };
      namespaces.push(ns);
      sh(['netns', 'add', ns.name]);
      sh(['link', 'add', ns.rootVeth, 'type', 'veth', 'peer', 'name', ns.veth]);
      sh(['link', 'set', ns.veth, 'netns', ns.name]);
      sh(['addr', 'add', `${ns.gateway}/24`, 'dev', ns.rootVeth]);
      sh(['link', 'set', ns.rootVeth, 'up']);
      const inNs = (...args: string[]) => sh(['netns', 'exec', ns.name, 'ip', ...args]);
      inNs('link', 'set', 'lo', 'up');
      inNs('addr', 'add', `${ns.ip}/24`, 'dev', ns.veth);
      inNs('link', 'set', ns.veth, 'up');
      inNs('route', 'add', 'default', 'via', ns.gateway);
      // Forwarding only on our root-side veths: the host's global ip_forward is left as it was.
      execFileSync('sysctl', ['-q', '-w', `net.ipv4.conf.${ns.rootVeth}.forwarding=1`], { stdio: 'ignore' });
      if (netem) {
        execFileSync(
          'ip',
          ['netns', 'exec', ns.name, 'tc', 'qdisc', 'add', 'dev', ns.veth, 'root', 'netem', ...NETEM_ARGS],
          {
            stdio: 'ignore',
          },
        );
      }
    }
  } catch (error) {
    topology.destroy();
    throw error;
  }
  return topology;
}

/** `tc qdisc show dev <veth>` inside the namespace. */
export function qdiscOf(ns: Namespace): string {
  return sh(['netns', 'exec', ns.name, 'tc', 'qdisc', 'show', 'dev', ns.veth]);
}

export type ExecResult = { code: number | null; stdout: Buffer; stderr: string };

/** Runs `command ...args` inside namespace `ns` to completion. */
export function execIn(ns: Namespace, command: string, args: string[], timeoutMs = 120_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      'ip',
      ['netns', 'exec', ns.name, command, ...args],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr: stderr.toString() });
      },
    );
  });
}

export type Daemon = {
  child: ChildProcessWithoutNullStreams;
  /** The first stdout line (the `--json` line). */
  firstLine: string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
};

/**
 * Starts `bandex ...args` inside namespace `ns` (`ip netns exec` execs, so the child is the daemon
 * itself) and resolves with its first stdout line. On failure the process is stopped.
 */
export function startDaemonIn(
  ns: Namespace,
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Daemon> {
  return spawnDaemon(
    'ip',
    ['netns', 'exec', ns.name, process.execPath, BANDEX, ...args],
    `bandex ${args[0]} in ${ns.name}`,
    options,
  );
}

/**
 * Starts `bandex ...args` in the root namespace, tracked and stopped like `startDaemonIn`'s daemons (so
 * the exit hook kills it too), and resolves with its first stdout line.
 */
export function startDaemonInRoot(
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Daemon> {
  return spawnDaemon(process.execPath, [BANDEX, ...args], `bandex ${args[0]}`, options);
}

async function spawnDaemon(
  command: string,
  commandArgs: string[],
  label: string,
  { timeoutMs = 120_000, env = {} }: { timeoutMs?: number; env?: Record<string, string> },
): Promise<Daemon> {
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  installExitHook();
  liveChildren.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 4_000_000) stderr = stderr.slice(-2_000_000);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      liveChildren.delete(child);
      resolve();
    }),
  );
  const stop = async (graceMs = 5_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    const firstLine = await firstStdoutLine(child, { timeoutMs, label, stderr: () => tail(stderr) });
    return { child, firstLine, stderr: () => stderr, stop };
  } catch (error) {
    await stop(1_000);
    throw error;
  }
}

/** A token-bucket rate limit (`tc … tbf`), e.g. `{ rate: '80mbit', burst: '64kb', latency: '50ms' }`. */
export type Tbf = { rate: string; burst: string; latency: string };

/**
 * Why `tc … tbf` cannot be used here (undefined when it can): tried on a veth pair in a throwaway
 * namespace. Call only when `probeNetnsSupport()` found no reason to skip.
 */
export function probeTbf(): string | undefined {
  const probe = `bx-${process.pid}-tbf`;
  const add = run('ip', ['netns', 'add', probe]);
  if (!add.ok) return `cannot create a network namespace: ${add.output}`;
  try {
    const inNs = (...args: string[]) => run('ip', ['netns', 'exec', probe, ...args]);
    const veth = inNs('ip', 'link', 'add', 'bxtbf0', 'type', 'veth', 'peer', 'bxtbf1');
    if (!veth.ok) return `cannot create a veth pair: ${veth.output}`;
    const tbf = inNs(
      'tc',
      'qdisc',
      'add',
      'dev',
      'bxtbf0',
      'root',
      'tbf',
      'rate',
      '10mbit',
      'burst',
      '32kb',
      'latency',
      '50ms',
    );
    return tbf.ok ? undefined : `this kernel has no tbf qdisc (\`tc qdisc add … tbf\`: ${tbf.output || 'failed'})`;
  } finally {
    run('ip', ['netns', 'del', probe]);
  }
}

/**
 * Limits the egress of `ns`'s veth (what leaves the namespace) with `tc qdisc replace … root tbf`,
 * replacing whatever root qdisc it had (netem included).
 */
export function limitEgress(ns: Namespace, { rate, burst, latency }: Tbf): void {
  sh([
    'netns',
    'exec',
    ns.name,
    'tc',
    'qdisc',
    'replace',
    'dev',
    ns.veth,
    'root',
    'tbf',
    'rate',
    rate,
    'burst',
    burst,
    'latency',
    latency,
  ]);
}

/** The last lines of a daemon's log, for failure messages. */
export function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
