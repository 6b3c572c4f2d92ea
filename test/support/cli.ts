/** Running the real `bandex` binary from tests. */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const BANDEX = join(ROOT, 'bin/bandex.js');

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** Runs `bandex ...args` to completion (killed after `timeoutMs`). */
export function runCli(args: string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BANDEX, ...args],
      { cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 60_000, env: { ...process.env, LOG_LEVEL: 'warn' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * Resolves with `child`'s first stdout line; rejects, with stderr in the message, if it exits first or
 * prints nothing within `timeoutMs`. `label` names the process in those messages.
 */
export function firstStdoutLine(
  child: ChildProcessWithoutNullStreams,
  { timeoutMs, label, stderr }: { timeoutMs: number; label: string; stderr: () => string },
): Promise<string> {
  let stdout = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label}: no stdout line within ${timeoutMs} ms; stderr:\n${stderr()}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve(stdout.slice(0, newline));
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? signal}) before printing a line; stderr:\n${stderr()}`));
    });
  });
}

/** Starts a long-running `bandex ...args` and resolves with its first stdout line (e.g. a `--json` line). */
export async function startCli(
  args: string[],
  timeoutMs = 60_000,
  { cwd = ROOT, env = {} }: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ child: ChildProcessWithoutNullStreams; firstLine: string; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [BANDEX, ...args], { cwd, env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const firstLine = await firstStdoutLine(child, { timeoutMs, label: `bandex ${args[0]}`, stderr: () => stderr });
  return { child, firstLine, stdout: () => stdout, stderr: () => stderr };
}
