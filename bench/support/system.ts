/**
 * What the bench needs from the machine: the Debian packages (installed with apt-get when running as
 * root, otherwise named exactly), free loopback ports, waiting for a port, child-process helpers.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

/** Program → Debian package that provides it. */
const NEEDED: Record<string, string> = {
  nginx: 'nginx-light',
  'ss-server': 'shadowsocks-libev',
  'ss-local': 'shadowsocks-libev',
  curl: 'curl',
  obfs4proxy: 'obfs4proxy',
};

/** Absolute path of `program` on PATH (plus the sbin directories nginx lives in), or undefined. */
export function which(program: string): string | undefined {
  const path = `${process.env.PATH ?? ''}:/usr/sbin:/sbin:/usr/local/sbin`;
  for (const dir of path.split(':')) {
    if (!dir) continue;
    try {
      execFileSync('test', ['-x', `${dir}/${program}`]);
      return `${dir}/${program}`;
    } catch {}
  }
  return undefined;
}

/**
 * Resolves every needed program. Missing ones are installed (`apt-get update` once, then
 * `apt-get install -y nginx-light shadowsocks-libev curl`) when running as root with apt-get;
 * otherwise prints exactly what is missing and exits non-zero.
 */
export function ensurePrograms(log: (line: string) => void): Record<string, string> {
  const missing = () => Object.keys(NEEDED).filter((p) => !which(p));
  let absent = missing();
  if (absent.length > 0 && process.getuid?.() === 0 && which('apt-get')) {
    const packages = [...new Set(Object.values(NEEDED))];
    log(`installing ${packages.join(' ')} (missing: ${absent.join(', ')})`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
    absent = missing();
  }
  if (absent.length > 0) {
    const packages = [...new Set(absent.map((p) => NEEDED[p]))];
    process.stderr.write(
      `bench: missing ${absent.join(', ')}; install them with: sudo apt-get install -y ${packages.join(' ')}\n`,
    );
    process.exit(2);
  }
  return Object.fromEntries(Object.keys(NEEDED).map((p) => [p, which(p) as string]));
}

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:port accepts TCP connections (or rejects after `timeoutMs`). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Spawns a long-running program; its stderr is kept for error reports. */
export function startProgram(file: string, args: string[]): ChildProcess & { stderrText: () => string } {
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  return Object.assign(child, { stderrText: () => stderr });
}

/** Stops a child we started and waits for it to exit. */
export async function stopProgram(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** The q-quantile (nearest rank) of `xs`. */
export const quantile = (xs: number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
};

/** Read and write system calls a process has made (`syscr`, `syscw` of `/proc/<pid>/io`; zeros if unreadable). */
export function readIoCounters(pid: number | 'self'): { reads: number; writes: number } {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return { reads: field('syscr'), writes: field('syscw') };
  } catch {
    return { reads: 0, writes: 0 };
  }
}

/**
 * CPU seconds (user + system) used so far by the live child processes of this process (Linux `/proc`):
 * a transport run as a separate program (obfs4proxy) works for its Node parent and is counted with it.
 */
export function childProcessCpuSeconds(): number {
  const ticks = 100; // USER_HZ: 100 on every Linux the bench runs on (`getconf CLK_TCK`)
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state ppid … utime(14) stime(15).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      total += (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {}
  }
  return total;
}
