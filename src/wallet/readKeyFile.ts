/**
 * Reads a private key from a file holding one 0x-prefixed 32-byte hex key (as
 * `cast wallet new` prints it). The encrypted keystore of the `wallet` command is the
 * way for long-lived keys; a key file suits a one-off deploy from a script.
 */
import { readFileSync } from 'node:fs';
import type { Hex } from 'viem';
import { BaseError } from '../errors/BaseError.ts';

export class KeyFileError extends BaseError<{ file: string }> {
  override name = 'KeyFileError';
  constructor({ file, reason, cause }: { file: string; reason: string; cause?: unknown }) {
    super(`cannot use key file ${file}: ${reason}`, {
      code: 'WALLET_KEY_FILE',
      details: 'the file must hold one private key as 0x followed by 64 hex digits',
      meta: { file },
      cause,
    });
  }
}

export function readKeyFile(file: string): Hex {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new KeyFileError({ file, reason: code === 'ENOENT' ? 'no such file' : `unreadable (${code})`, cause });
  }
  const key = text.startsWith('0x') ? text : `0x${text}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new KeyFileError({ file, reason: 'it does not hold a 32-byte hex key' });
  return key as Hex;
}
