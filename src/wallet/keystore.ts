/**
 * Encrypted key files in the Web3 Secret Storage v3 format that geth and Foundry (`cast wallet`) use:
 * the private key encrypted with AES-128-CTR under the first half of a key derived from the password
 * (scrypt, or PBKDF2-HMAC-SHA256 when reading files written elsewhere), and a MAC =
 * keccak256(second half of the derived key ‖ ciphertext) that tells a wrong password from a good one.
 *
 * Files we write carry the account `address` (lower-case hex without 0x, as geth writes it) so that the
 * address can be shown without the password. A file from `cast wallet new` has no address; it is derived
 * on decryption. Passwords are used as their UTF-8 bytes, unnormalised, as geth and Foundry do.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { type Address, getAddress, type Hex, keccak256 } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { KeystoreFileError, WrongPasswordError } from './errors.ts';
import { scrypt } from './scrypt.ts';

export type ScryptParams = { n: number; r: number; p: number; dklen: number; salt: string };
export type Pbkdf2Params = { c: number; dklen: number; prf: 'hmac-sha256'; salt: string };

/** A v3 key file as JSON. */
export type KeystoreV3 = {
  version: 3;
  id: string;
  address?: string;
  crypto: {
    cipher: 'aes-128-ctr';
    cipherparams: { iv: string };
    ciphertext: string;
    kdf: 'scrypt' | 'pbkdf2';
    kdfparams: ScryptParams | Pbkdf2Params;
    mac: string;
  };
};

/**
 * scrypt cost of files we write: N = 2^13, r = 8, p = 1 — what Foundry's `cast wallet new` uses (geth's
 * "standard" is N = 2^18, about 30 times slower). Any N is accepted when reading.
 */
export const DEFAULT_SCRYPT = { n: 8_192, r: 8, p: 1 } as const;

const MAX_SCRYPT_N = 2 ** 20;

export type EncryptKeystoreOptions = { scrypt?: { n: number; r: number; p: number } };

/** Encrypts `privateKey` under `password` into a v3 key file (fresh salt, iv and id). */
export function encryptKeystore(privateKey: Hex, password: string, options: EncryptKeystoreOptions = {}): KeystoreV3 {
  const { n, r, p } = options.scrypt ?? DEFAULT_SCRYPT;
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = scrypt(password, salt, n, r, p, 32);
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(privateKey.slice(2), 'hex')), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: privateKeyToAddress(privateKey).slice(2).toLowerCase(),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: iv.toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'scrypt',
      kdfparams: { n, r, p, dklen: 32, salt: salt.toString('hex') },
      mac: mac(derived, ciphertext),
    },
  };
}

/**
 * Decrypts a v3 key file; throws `WrongPasswordError` when the MAC does not match and `KeystoreFileError`
 * when the JSON is not a v3 key file. `source` names the file in messages.
 */
export function decryptKeystore(keystore: unknown, password: string, source = 'the keystore'): Hex {
  const json = parseKeystore(keystore, source);
  const { crypto } = json;
  const salt = Buffer.from(crypto.kdfparams.salt, 'hex');
  let derived: Buffer;
  if (crypto.kdf === 'scrypt') {
    const { n, r, p, dklen } = crypto.kdfparams as ScryptParams;
    derived = scrypt(password, salt, n, r, p, dklen);
  } else {
    const { c, dklen } = crypto.kdfparams as Pbkdf2Params;
    derived = pbkdf2Sync(password, salt, c, dklen, 'sha256');
  }
  const ciphertext = Buffer.from(crypto.ciphertext, 'hex');
  if (mac(derived, ciphertext) !== crypto.mac.toLowerCase()) throw new WrongPasswordError({ file: source });
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), Buffer.from(crypto.cipherparams.iv, 'hex'));
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  // Old geth versions wrote keys with leading zero bytes dropped: pad back to 32 bytes.
  return `0x${key.toString('hex').padStart(64, '0')}` as Hex;
}

/** The address a key file names, without decrypting it (undefined when the file carries none). */
export function keystoreAddress(keystore: unknown, source = 'the keystore'): Address | undefined {
  const { address } = parseKeystore(keystore, source);
  return address ? getAddress(`0x${address.replace(/^0x/i, '')}`) : undefined;
}

/** Reads and checks a key file from disk. */
export function readKeystoreFile(file: string): KeystoreV3 {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new KeystoreFileError({ file, reason: code === 'ENOENT' ? 'no such file' : `unreadable (${code})`, cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new KeystoreFileError({ file, reason: 'not valid JSON', cause });
  }
  return parseKeystore(json, file);
}

/** Writes a key file readable by its owner only (0600), atomically; refuses to replace one unless `overwrite`. */
export function writeKeystoreFile(file: string, keystore: KeystoreV3, { overwrite = false } = {}): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(keystore, null, 2)}\n`, { mode: 0o600 });
  if (!overwrite) {
    try {
      // Fails with EEXIST when the target exists: a key file is never replaced by accident.
      writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
    } catch (cause) {
      unlinkSync(temp);
      throw new KeystoreFileError({
        file,
        reason: (cause as NodeJS.ErrnoException).code === 'EEXIST' ? 'a key file already exists there' : String(cause),
        cause,
        details: 'choose another path with --keystore, or move the existing file away first (it may hold funds)',
      });
    }
  }
  renameSync(temp, file);
}

function parseKeystore(value: unknown, source: string): KeystoreV3 {
  const fail = (reason: string): never => {
    throw new KeystoreFileError({ file: source, reason });
  };
  if (typeof value !== 'object' || value === null) return fail('not a JSON object');
  const json = value as Record<string, unknown>;
  if (json.version !== 3) fail(`version ${String(json.version)} is not 3 (Web3 Secret Storage v3)`);
  // geth writes `crypto`; some old tools wrote `Crypto`.
  const crypto = (json.crypto ?? json.Crypto) as Record<string, unknown> | undefined;
  if (typeof crypto !== 'object' || crypto === null) return fail('the crypto section is missing');
  if (crypto.cipher !== 'aes-128-ctr') fail(`cipher ${String(crypto.cipher)} is not aes-128-ctr`);
  const hex = (v: unknown) => typeof v === 'string' && /^(0x)?[0-9a-fA-F]*$/.test(v) && v.length > 0;
  const iv = (crypto.cipherparams as { iv?: unknown } | undefined)?.iv;
  if (!hex(iv) || !hex(crypto.ciphertext) || !hex(crypto.mac)) fail('iv, ciphertext or mac is missing or not hex');
  const params = crypto.kdfparams as Record<string, unknown> | undefined;
  if (typeof params !== 'object' || params === null || !hex(params.salt)) fail('kdfparams.salt is missing');
  const p = params as Record<string, unknown>;
  const int = (v: unknown, min: number, max: number) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
  if (crypto.kdf === 'scrypt') {
    if (!int(p.n, 2, MAX_SCRYPT_N) || ((p.n as number) & ((p.n as number) - 1)) !== 0)
      fail(`scrypt n must be a power of two up to ${MAX_SCRYPT_N}`);
    if (!int(p.r, 1, 64) || !int(p.p, 1, 64) || !int(p.dklen, 32, 64)) fail('scrypt r, p or dklen out of range');
  } else if (crypto.kdf === 'pbkdf2') {
    if (p.prf !== 'hmac-sha256') fail(`pbkdf2 prf ${String(p.prf)} is not hmac-sha256`);
    if (!int(p.c, 1, 10_000_000) || !int(p.dklen, 32, 64)) fail('pbkdf2 c or dklen out of range');
  } else {
    fail(`kdf ${String(crypto.kdf)} is neither scrypt nor pbkdf2`);
  }
  const strip = (v: unknown) => (v as string).replace(/^0x/i, '');
  const address = json.address;
  if (address !== undefined && !(typeof address === 'string' && /^(0x)?[0-9a-fA-F]{40}$/.test(address)))
    fail('address is not a 20-byte hex address');
  return {
    version: 3,
    id: typeof json.id === 'string' ? json.id : '',
    address: address as string | undefined,
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: strip(iv) },
      ciphertext: strip(crypto.ciphertext),
      kdf: crypto.kdf as 'scrypt' | 'pbkdf2',
      kdfparams: { ...(p as object), salt: strip(p.salt) } as ScryptParams | Pbkdf2Params,
      mac: strip(crypto.mac),
    },
  };
}

function mac(derived: Buffer, ciphertext: Buffer): string {
  return keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext])).slice(2);
}
