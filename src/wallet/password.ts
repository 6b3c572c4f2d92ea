/**
 * Where a keystore password comes from, in this order: a password file (`--password-file`), the
 * `BANDEX_PASSWORD` environment variable, or a prompt when stdin and stderr are a terminal. The password
 * is never echoed, logged or printed.
 */
import { readFileSync } from 'node:fs';
import { PasswordUnavailableError } from './errors.ts';

export type PasswordSource = {
  /** File whose content (one trailing newline removed) is the password. */
  passwordFile?: string;
  /** Environment to read `BANDEX_PASSWORD` from (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Ask on the terminal when no other source gives one (default: true when stdin and stderr are TTYs). */
  prompt?: boolean;
};

export async function resolvePassword(
  source: PasswordSource,
  purpose: { prompt: string; confirm?: boolean },
): Promise<string> {
  const env = source.env ?? process.env;
  if (source.passwordFile !== undefined) return readPasswordFile(source.passwordFile);
  if (env.BANDEX_PASSWORD !== undefined && env.BANDEX_PASSWORD !== '') return env.BANDEX_PASSWORD;
  const canPrompt = source.prompt ?? Boolean(process.stdin.isTTY && process.stderr.isTTY);
  if (!canPrompt)
    throw new PasswordUnavailableError({ reason: 'no keystore password given and no terminal to ask on' });
  const password = await promptHidden(`${purpose.prompt}: `);
  if (purpose.confirm) {
    const again = await promptHidden('Repeat the password: ');
    if (again !== password)
      throw new PasswordUnavailableError({ reason: 'the two passwords differ', details: 'run the command again' });
  }
  return password;
}

export function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new PasswordUnavailableError({
      reason: `cannot read password file ${file}: ${code === 'ENOENT' ? 'no such file' : `unreadable (${code})`}`,
      details: 'pass an existing file with --password-file, or set BANDEX_PASSWORD',
    });
  }
  return text.replace(/\r?\n$/, '');
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = stdin.isRaw;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const finish = (error?: Error) => {
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003')
          return finish(new PasswordUnavailableError({ reason: 'cancelled', details: 'nothing was changed' }));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}
