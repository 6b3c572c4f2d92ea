/**
 * The provider's long-term X25519 tunnel key (its offers advertise the public half): 32 raw bytes
 * in a 0600 file in the state directory, created on first start. A readable-by-others key file is
 * refused, as the peer key is.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BaseError } from '../errors/BaseError.ts';
import { type StaticKeyPair, staticKeyPairFromPrivate } from '../tunnel/x25519.ts';

export class TunnelKeyError extends BaseError<{ file: string }> {
  override name = 'TunnelKeyError';
}

export function loadOrCreateTunnelKey(file: string): StaticKeyPair {
  let raw: Buffer;
  try {
    const mode = statSync(file).mode;
    if ((mode & 0o077) !== 0) {
      throw new TunnelKeyError(`tunnel key ${file} is readable by other users`, {
        code: 'TUNNEL_KEY_INSECURE',
        details: `run: chmod 600 ${file}`,
        meta: { file },
      });
    }
    raw = readFileSync(file);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    raw = randomBytes(32);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, raw);
    } finally {
      closeSync(fd);
    }
  }
  if (raw.length !== 32) {
    throw new TunnelKeyError(`tunnel key ${file} is not 32 bytes`, {
      code: 'TUNNEL_KEY_INVALID',
      details: 'move it away; a new key is created on the next start (clients learn it from the new offer)',
      meta: { file },
    });
  }
  return staticKeyPairFromPrivate(raw);
}
