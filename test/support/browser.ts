/**
 * Chromium for the browser tests, from the npm registry: `@sparticuz/chromium` ships a headless Chromium
 * build (brotli-compressed) with the few shared libraries it needs beyond glibc (NSS, NSPR, expat) and its
 * fonts, so `npm install && npm test` needs no system browser. Set `CHROMIUM_PATH` to use another build
 * (e.g. Debian's `/usr/bin/chromium`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { type Browser, chromium } from 'playwright-core';

/** Where the package's own Lambda setup puts the libraries (it extracts them only on Amazon Linux). */
const LIBS = join(tmpdir(), 'al2023');

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const system = process.env.CHROMIUM_PATH;
  if (system) {
    return chromium.launch({
      executablePath: system,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
    });
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  const executablePath = await packaged.executablePath();
  if (!existsSync(join(LIBS, 'lib', 'libnss3.so'))) {
    const bin = packageBin(createRequire(import.meta.url).resolve('@sparticuz/chromium'));
    mkdirSync(LIBS, { recursive: true });
    execFileSync('tar', ['-x', '-C', LIBS], { input: brotliDecompressSync(readFileSync(join(bin, 'al2023.tar.br'))) });
  }
  const libraryPath = [join(LIBS, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return chromium.launch({
    executablePath,
    // One process per page, not the package's `--single-process` (made for a Lambda's one page): this test
    // opens several pages in turn.
    args: [
      ...packaged.args.filter((arg) => arg !== '--single-process' && arg !== '--no-zygote'),
      '--disable-background-networking',
      ...extraArgs,
    ],
    env: { ...process.env, LD_LIBRARY_PATH: libraryPath, FONTCONFIG_PATH: join(tmpdir(), 'fonts') },
  });
}

/** The package's `bin/` (its brotli files), above its entry point wherever the build puts that. */
function packageBin(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'al2023.tar.br'))) return join(dir, 'bin');
  }
  throw new Error(`@sparticuz/chromium's bin/ not found above ${entry}`);
}
