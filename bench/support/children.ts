/** Starting and talking to the bench's Bandex child processes (`bench/support/node.ts`). */
import { type ChildProcess, fork } from 'node:child_process';

const SCRIPT = new URL('./node.ts', import.meta.url).pathname;

/**
 * What `bin/bandex.js` sets for its daemons (`connect`, `node`, `devnet`): glibc keeps up to 256 MiB of
 * freed heap instead of returning it after every collection (and page-faulting it back in).
 * `BENCH_DEFAULT_MALLOC=1` runs the Bandex processes with glibc's defaults instead.
 */
const DAEMON_MALLOC_ENV: Record<string, string> =
  process.env.BENCH_DEFAULT_MALLOC === '1'
    ? {}
    : { MALLOC_TRIM_THRESHOLD_: '268435456', MALLOC_MMAP_THRESHOLD_: '4194304' };

export type NodeChild = {
  child: ChildProcess;
  ready: Record<string, unknown>;
  request(cmd: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Asks the child to exit (so a CPU profile is written) and waits for it. */
  stop(): Promise<void>;
};

export type StartNodeOptions = { env?: Record<string, string>; execArgv?: string[] };

export async function startNode(args: string[], options: StartNodeOptions = {}): Promise<NodeChild> {
  const child = fork(SCRIPT, args, {
    execArgv: ['--expose-gc', ...(options.execArgv ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...DAEMON_MALLOC_ENV, ...options.env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Record<string, unknown>));
    child.once('exit', (code) => reject(new Error(`bench child ${args[0]} exited with ${code} before it was ready`)));
  });
  let nextId = 1;
  const pending = new Map<number, (m: Record<string, unknown>) => void>();
  child.on('message', (m: Record<string, unknown>) => {
    const resolve = pending.get(m.id as number);
    pending.delete(m.id as number);
    resolve?.(m);
  });
  const request = (cmd: string, extra: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (m) => (m.error ? reject(new Error(`${args[0]} ${cmd}: ${m.error}`)) : resolve(m)));
      child.send({ id, cmd, ...extra });
    });
  return {
    child,
    ready,
    request,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.send({ id: 0, cmd: 'stop' });
      await exited;
      clearTimeout(timer);
    },
  };
}
