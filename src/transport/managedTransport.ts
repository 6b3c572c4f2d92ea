/**
 * A managed pluggable transport (Tor's pt-spec, version 1): an external program such as Debian's `obfs4proxy`,
 * configured by `TOR_PT_*` environment variables, that reports on stdout where it listens (`SMETHOD` for a
 * server, `CMETHOD` for a client's SOCKS5 port) and exits when its stdin closes. `parsePtLine` is pure;
 * `startManagedTransport` runs the program and resolves once it said `SMETHODS DONE` / `CMETHODS DONE`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TransportError } from './errors.ts';

/** How long a managed transport may take to report its methods (it only generates or loads keys). */
const PT_START_TIMEOUT_MS = 10_000;

export type PtLine =
  | { kind: 'version'; version: string }
  | { kind: 'smethod'; transport: string; host: string; port: number; args: Map<string, string> }
  | { kind: 'cmethod'; transport: string; protocol: string; host: string; port: number }
  | { kind: 'done' }
  | { kind: 'error'; message: string }
  | { kind: 'other'; line: string };

function hostPort(text: string | undefined): { host: string; port: number } | undefined {
  const at = text?.lastIndexOf(':') ?? -1;
  if (!text || at <= 0) return undefined;
  const port = Number(text.slice(at + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port };
}

/** `k=v,k=v` with pt-spec's backslash escapes (`\,` `\=` `\\`). */
export function parsePtArgs(text: string): Map<string, string> {
  const args = new Map<string, string>();
  let key = '';
  let value = '';
  let inValue = false;
  for (let i = 0; i < text.length; i++) {
    let c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) c = text[++i] as string;
    else if (c === '=' && !inValue) {
      inValue = true;
      continue;
    } else if (c === ',') {
      if (key) args.set(key, value);
      key = '';
      value = '';
      inValue = false;
      continue;
    }
    if (inValue) value += c;
    else key += c;
  }
  if (key) args.set(key, value);
  return args;
}

export function parsePtLine(line: string): PtLine {
  const words = line.trim().split(' ');
  const [keyword] = words;
  if (keyword === 'VERSION') return { kind: 'version', version: words[1] ?? '' };
  if (keyword === 'SMETHODS' || keyword === 'CMETHODS') {
    return words[1] === 'DONE' ? { kind: 'done' } : { kind: 'other', line };
  }
  if (keyword === 'SMETHOD') {
    const at = hostPort(words[2]);
    if (!words[1] || !at) return { kind: 'error', message: `malformed SMETHOD: ${line.slice(0, 120)}` };
    const argsWord = words.slice(3).find((w) => w.startsWith('ARGS:'));
    return { kind: 'smethod', transport: words[1], ...at, args: parsePtArgs(argsWord?.slice(5) ?? '') };
  }
  if (keyword === 'CMETHOD') {
    const at = hostPort(words[3]);
    if (!words[1] || !words[2] || !at) return { kind: 'error', message: `malformed CMETHOD: ${line.slice(0, 120)}` };
    return { kind: 'cmethod', transport: words[1], protocol: words[2], ...at };
  }
  if (keyword?.endsWith('-ERROR')) return { kind: 'error', message: line.trim().slice(0, 200) };
  return { kind: 'other', line };
}

export type ManagedTransport = {
  process: ChildProcess;
  /** What it reported: one `smethod` or `cmethod` per transport. */
  methods: Extract<PtLine, { kind: 'smethod' | 'cmethod' }>[];
  stop(): Promise<void>;
};

/**
 * Runs `program` with `env` (the `TOR_PT_*` variables; `TOR_PT_MANAGED_TRANSPORT_VER` and
 * `TOR_PT_EXIT_ON_STDIN_CLOSE` are set here). The child dies with this process: its stdin is a pipe from us.
 * @throws {TransportError} `TRANSPORT_CONNECT_FAILED` if it is missing, reports an error or says nothing in time.
 */
export async function startManagedTransport(program: string, env: Record<string, string>): Promise<ManagedTransport> {
  const child = spawn(program, [], {
    env: { PATH: process.env.PATH ?? '', TOR_PT_MANAGED_TRANSPORT_VER: '1', TOR_PT_EXIT_ON_STDIN_CLOSE: '1', ...env },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      child.kill('SIGTERM');
    }
    await exited;
  };
  const methods: ManagedTransport['methods'] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (message: string, cause?: unknown) =>
        reject(new TransportError(`${program}: ${message}`, { code: 'TRANSPORT_CONNECT_FAILED', cause }));
      const timer = setTimeout(() => fail('reported no methods in time'), PT_START_TIMEOUT_MS);
      child.once('error', (error) => {
        clearTimeout(timer);
        fail(
          'could not be started: install it (Debian: apt-get install obfs4proxy) or choose another transport',
          error,
        );
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(`exited (${code}) before reporting its methods`);
      });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
        const line = parsePtLine(text);
        if (line.kind === 'smethod' || line.kind === 'cmethod') methods.push(line);
        else if (line.kind === 'error') {
          clearTimeout(timer);
          fail(line.message);
        } else if (line.kind === 'done') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
  child.on('error', () => {});
  return { process: child, methods, stop };
}
