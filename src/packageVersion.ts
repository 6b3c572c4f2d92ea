/**
 * The version of Bandex (package.json's `version`), at the bottom of the layers so that anything —
 * the local API's `/api/info`, the CLI's `--version` — can report it without importing what is above.
 */
import { readFileSync } from 'node:fs';

/** The `version` of Bandex's package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return pkg.version as string;
}
