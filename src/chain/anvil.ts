/**
 * The embedded chain: starts anvil from `node_modules` (the `@foundry-rs/anvil`
 * platform package) bound to loopback, waits until it listens, and stops it again.
 * Port `0` lets the OS pick a free port; the real one is read from anvil's output.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AnvilStartError, ChainPortInUseError } from './errors.ts';

/** Anvil's well-known dev mnemonic: its accounts are funded at genesis. Never use it on a real chain. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
export const ANVIL_CHAIN_ID = 31337;
/** How long anvil may take to print `Listening on` (it usually takes ~100 ms; a busy CI box more). */
const START_TIMEOUT_MS = 20_000;
/** After SIGTERM, how long before SIGKILL: devnet must stop everything within 5 s. */
const STOP_GRACE_MS = 2_000;

export type StartAnvilParameters = {
  host?: string;
  /** `0` picks a free port. Default 8545. */
  port?: number;
  chainId?: number;
  /** Seconds between blocks; omitted = a block per transaction (automine). */
  blockTime?: number;
  /** Number of funded dev accounts. */
  accounts?: number;
  /** `optimism`: anvil's OP-stack mode (deposit transactions), for rollup settlement figures. Default Ethereum. */
  network?: 'ethereum' | 'optimism';
};

export type Anvil = {
  rpcUrl: string;
  host: string;
  port: number;
  chainId: number;
  pid: number;
  /** Resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
  /** Resolves with the exit code when anvil exits for any reason. */
  exited: Promise<number | null>;
};

/** Path of the anvil binary shipped by `@foundry-rs/anvil-<os>-<arch>`. */
export function anvilBinaryPath(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'anvil');
  } catch (cause) {
    throw new AnvilStartError({ reason: `${pkg} is not installed`, output: '', cause });
  }
}

/**
 * Starts anvil and resolves once it accepts connections.
 *
 * @example
 * const anvil = await startAnvil({ port: 0 });
 * console.log(anvil.rpcUrl); // http://127.0.0.1:40485
 * await anvil.stop();
 */
export async function startAnvil(params: StartAnvilParameters = {}): Promise<Anvil> {
  const host = params.host ?? '127.0.0.1';
  const port = params.port ?? 8545;
  const chainId = params.chainId ?? ANVIL_CHAIN_ID;
  const args = ['--host', host, '--port', String(port), '--chain-id', String(chainId), '--mnemonic', ANVIL_MNEMONIC];
  if (params.blockTime !== undefined) args.push('--block-time', String(params.blockTime));
  if (params.accounts !== undefined) args.push('--accounts', String(params.accounts));
  if (params.network === 'optimism') args.push('--network', 'optimism');

  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new AnvilStartError({ reason: 'timed out waiting for it to listen', output })),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on [^\s]*:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new AnvilStartError({ reason: error.message, output, cause: error }));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (/address already in use/i.test(output)) reject(new ChainPortInUseError({ host, port }));
      else reject(new AnvilStartError({ reason: `it exited with code ${code}`, output }));
    });
  }).catch(async (error) => {
    await stopChild(child, exited);
    throw error;
  });
  // Keep draining anvil's output so it never blocks on a full pipe.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();

  let stopping: Promise<void> | undefined;
  return {
    rpcUrl: `http://${host}:${listening}`,
    host,
    port: listening,
    chainId,
    pid: child.pid as number,
    exited,
    stop: () => {
      stopping ??= stopChild(child, exited);
      return stopping;
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
