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

/** Starts a long-running `bandex ...args` and resolves with its first stdout line (e.g. a `--json` line). */
export async function startCli(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ child: ChildProcessWithoutNullStreams; firstLine: string; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [BANDEX, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no stdout line within ${timeoutMs} ms; stderr: ${stderr}`)),
      timeoutMs,
    );
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, newline));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing a line; stderr: ${stderr}`));
    });
  });
  return { child, firstLine, stdout: () => stdout, stderr: () => stderr };
}
