/**
 * The real `bandex` binary against an embedded chain started in the test process, with an isolated
 * home: XDG config/data folders of its own, no `BANDEX_*` variables leaking in from the environment.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devAccount, devPrivateKey } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { BANDEX, type CliResult, ROOT } from './cli.ts';

export type Bench = {
  chain: EmbeddedChain;
  rpc: string;
  dir: string;
  /** Environment every run gets: isolated XDG folders, the chain's RPC and deployment file. */
  env: Record<string, string>;
  /** Runs `bandex ...args`; `env` adds to (or, with `undefined`, removes from) the bench environment. */
  run(args: string[], options?: { env?: Record<string, string | undefined>; input?: string }): Promise<CliResult>;
  /** Writes anvil dev account `index`'s private key to a file and returns its path and address. */
  keyFile(index: number): { file: string; address: `0x${string}` };
  /** Moves the chain's clock forward and mines a block. */
  advance(seconds: number): Promise<void>;
  stop(): Promise<void>;
};

export async function startBench(name: string): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), `bandex-${name}-`));
  const chain = await startEmbeddedChain({ port: 0, deploymentsDir: join(dir, 'deployments') });
  const rpc = chain.anvil.rpcUrl;
  const env: Record<string, string> = {
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    BANDEX_RPC: rpc,
    BANDEX_DEPLOYMENT: chain.deploymentFile,
    LOG_LEVEL: 'warn',
  };
  const base: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(base)) if (key.startsWith('BANDEX_')) delete base[key];
  const rpcCall = async (method: string, params: unknown[]) => {
    const response = await fetch(rpc, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = (await response.json()) as { error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
  };
  return {
    chain,
    rpc,
    dir,
    env,
    run(args, options = {}) {
      return new Promise((resolve) => {
        const child = execFile(
          process.execPath,
          [BANDEX, ...args],
          { cwd: dir, timeout: 60_000, env: { ...base, ...env, ...options.env } as NodeJS.ProcessEnv },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
            resolve({ code, stdout, stderr });
          },
        );
        child.stdin?.end(options.input ?? '');
      });
    },
    keyFile(index) {
      const file = join(dir, `dev${index}.key`);
      writeFileSync(file, `${devPrivateKey(index)}\n`, { mode: 0o600 });
      return { file, address: devAccount(index).address };
    },
    async advance(seconds) {
      await rpcCall('evm_increaseTime', [seconds]);
      await rpcCall('evm_mine', []);
    },
    stop: () => chain.stop(),
  };
}

export { ROOT };

/** The last line of stderr (progress lines come before an error). */
export function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/**
 * Asserts a failed run: exit code 1 and, as the last stderr line, one error line (`bandex: …`, or
 * commander's `error: …` for a malformed argument) matching `pattern`. Nothing on stdout.
 */
export function assertFailure(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 1, `exit code ${result.code}; stderr: ${result.stderr}; stdout: ${result.stdout}`);
  const line = lastLine(result.stderr);
  assert.match(line, /^(bandex|error): /, `one error line expected, stderr: ${result.stderr}`);
  assert.match(line, pattern);
  assert.equal(result.stdout, '');
}
