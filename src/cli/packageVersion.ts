import { readFileSync } from 'node:fs';

/** The `version` of Bandex's package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return pkg.version as string;
}
