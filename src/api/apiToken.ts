/**
 * The bearer token of a daemon's API: 32 random bytes (base64url) in `api.token` in the state
 * directory, mode 0600, created on first start and reused after. It is printed nowhere: whoever may
 * spend the daemon's money reads the file (`curl -H "Authorization: Bearer $(cat …/api.token)"`).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const API_TOKEN_FILE = 'api.token';

export function loadOrCreateApiToken(file: string): string {
  if (existsSync(file)) {
    // Tighten a copy restored with looser permissions; the token itself stays valid.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 32) return token;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}
