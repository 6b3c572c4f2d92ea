/**
 * The one way every command gets a signing account: from an encrypted keystore (plus its password) or
 * from a raw key file. Commands pass what the user gave (flags, environment, config file, already merged
 * by `resolveConfig` in src/config/); this function decides.
 *
 * @example
 * const account = await loadAccount({ keystore: '~/.local/share/bandex/keystore.json', passwordFile: 'pw.txt' });
 * const account = await loadAccount({ keyFile: './deployer.key' });
 */
import { existsSync } from 'node:fs';
import type { Hex, LocalAccount } from 'viem';
import { NoAccountError } from './errors.ts';
import { decryptKeystore, keystoreAddress, readKeystoreFile } from './keystore.ts';
import { localAccount } from './localAccount.ts';
import { type PasswordSource, resolvePassword } from './password.ts';
import { readKeyFile } from './readKeyFile.ts';

export type LoadAccountOptions = {
  /**
   * Raw key file (0x + 64 hex digits, as `cast wallet new` prints it). When given it wins over `keystore`:
   * an explicit `--key-file` is the more specific choice.
   */
  keyFile?: string;
  /** Web3 Secret Storage v3 key file (`bandex wallet create`, geth, `cast wallet`). */
  keystore?: string;
  /** File holding the keystore password; else `BANDEX_PASSWORD`, else a terminal prompt. */
  passwordFile?: string;
  /** The password itself, for programs (takes precedence over every other source). */
  password?: string;
  /** Environment for `BANDEX_PASSWORD` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Allow a terminal prompt for the password (default: when stdin and stderr are TTYs). */
  prompt?: boolean;
};

/** Loads the signing account; throws a `BaseError` that says which file or password is wrong and what to do. */
export async function loadAccount(options: LoadAccountOptions): Promise<LocalAccount> {
  if (options.keyFile !== undefined) return localAccount(readKeyFile(options.keyFile));
  if (options.keystore === undefined)
    throw new NoAccountError({ reason: 'no account: neither a keystore nor a key file given' });
  const key = await decryptKeystoreFile(options.keystore, options);
  return localAccount(key);
}

/** Decrypts a keystore file with the password from `source` (or `source.password`). */
export async function decryptKeystoreFile(
  file: string,
  source: PasswordSource & { password?: string } = {},
): Promise<Hex> {
  const json = readKeystoreFile(file);
  const password =
    source.password ?? (await resolvePassword(source, { prompt: `Password for ${keystoreLabel(file, json)}` }));
  return decryptKeystore(json, password, file);
}

/**
 * The address of the account the options name, without asking for a password when the keystore carries
 * its address (key files are read; a keystore without address is decrypted).
 */
export async function resolveAccountAddress(options: LoadAccountOptions): Promise<`0x${string}`> {
  if (options.keyFile === undefined && options.keystore !== undefined && existsSync(options.keystore)) {
    const address = keystoreAddress(readKeystoreFile(options.keystore), options.keystore);
    if (address) return address;
  }
  return (await loadAccount(options)).address;
}

function keystoreLabel(file: string, json: unknown): string {
  const address = keystoreAddress(json, file);
  return address ? `${address} (${file})` : file;
}
