/**
 * A provider's long-term secret of `length` random bytes (its tunnel key, its obfs pre-shared key, its
 * wss secret path): raw bytes in a 0600 file in the state directory, created on first start. A
 * readable-by-others file is refused, as the peer key is; a file of the wrong size is refused.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BaseError } from '../errors/BaseError.ts';

export class TunnelKeyError extends BaseError<{ file: string }> {
  override name = 'TunnelKeyError';
}

export function loadOrCreateSecret(file: string, length: number, what: string): Buffer {
  let raw: Buffer;
  try {
    const mode = statSync(file).mode;
    if ((mode & 0o077) !== 0) {
      throw new TunnelKeyError(`${what} ${file} is readable by other users`, {
        code: 'TUNNEL_KEY_INSECURE',
        details: `run: chmod 600 ${file}`,
        meta: { file },
      });
    }
    raw = readFileSync(file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    raw = randomBytes(length);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, raw);
    } finally {
      closeSync(fd);
    }
  }
  if (raw.length !== length) {
    throw new TunnelKeyError(`${what} ${file} is not ${length} bytes`, {
      code: 'TUNNEL_KEY_INVALID',
      details: 'move it away; a new one is created on the next start (clients learn it from the new offer)',
      meta: { file },
    });
  }
  return raw;
}
