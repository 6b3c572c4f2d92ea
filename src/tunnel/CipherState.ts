/**
 * Noise CipherState (spec §5.1) for ChaCha20-Poly1305: a 32-byte key and a 64-bit nonce
 * counter, encoded as 4 zero bytes then the counter little-endian (spec §12.3). `rekey()`
 * is the spec's REKEY: the new key is the first 32 bytes of ENCRYPT(k, 2^64−1, ε, zeros).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { TAG_LEN } from './constants.ts';
import { RecordError } from './errors.ts';

const MAX_NONCE = 0xffff_ffff_ffff_ffffn;

export class CipherState {
  #key: Buffer | undefined;
  #nonce = 0n;
  readonly #iv = Buffer.alloc(12);

  constructor(key?: Buffer) {
    this.#key = key;
  }

  hasKey(): boolean {
    return this.#key !== undefined;
  }

  /** Records protected under the current key. */
  get nonce(): bigint {
    return this.#nonce;
  }

  initializeKey(key: Buffer): void {
    this.#key = key;
    this.#nonce = 0n;
  }

  #nextIv(): Buffer {
    if (this.#nonce >= MAX_NONCE) {
      throw new RecordError('Nonce exhausted', { code: 'TUNNEL_NONCE_EXHAUSTED', details: 'rekey or reconnect' });
    }
    this.#iv.writeBigUInt64LE(this.#nonce, 4);
    this.#nonce++;
    return this.#iv;
  }

  /**
   * Encrypts the concatenation of `parts` with associated data `ad`; returns the ciphertext
   * pieces and the tag without concatenating them (the caller writes them with writev).
   */
  encryptParts(ad: Buffer, parts: readonly Buffer[]): Buffer[] {
    if (!this.#key) return [...parts];
    const cipher = createCipheriv('chacha20-poly1305', this.#key, this.#nextIv(), { authTagLength: TAG_LEN });
    cipher.setAAD(ad, { plaintextLength: 0 }); // ignored by ChaCha20-Poly1305 (CCM only)
    const out: Buffer[] = [];
    for (const part of parts) if (part.length > 0) out.push(cipher.update(part));
    cipher.final();
    out.push(cipher.getAuthTag());
    return out;
  }

  /** ENCRYPT for a single buffer (handshake use). */
  encryptWithAd(ad: Buffer, plaintext: Buffer): Buffer {
    if (!this.#key) return plaintext;
    return Buffer.concat(this.encryptParts(ad, [plaintext]));
  }

  /** DECRYPT: throws `TUNNEL_BAD_TAG` on authentication failure. */
  decryptWithAd(ad: Buffer, ciphertext: Buffer): Buffer {
    if (!this.#key) return ciphertext;
    if (ciphertext.length < TAG_LEN) {
      throw new RecordError('Ciphertext shorter than its tag', { code: 'TUNNEL_TRUNCATED' });
    }
    const decipher = createDecipheriv('chacha20-poly1305', this.#key, this.#nextIv(), { authTagLength: TAG_LEN });
    decipher.setAAD(ad, { plaintextLength: ciphertext.length - TAG_LEN });
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LEN));
    const plaintext = decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_LEN));
    try {
      decipher.final();
    } catch (cause) {
      throw new RecordError('Record failed authentication', {
        code: 'TUNNEL_BAD_TAG',
        details: 'the peer sent corrupted or forged data; the channel is closed',
        cause,
      });
    }
    return plaintext;
  }

  /** Noise REKEY (spec §4.2): k = first 32 bytes of ENCRYPT(k, maxnonce, ε, zeros). */
  rekey(): void {
    if (!this.#key) return;
    const iv = Buffer.alloc(12);
    iv.writeBigUInt64LE(MAX_NONCE, 4);
    const cipher = createCipheriv('chacha20-poly1305', this.#key, iv, { authTagLength: TAG_LEN });
    this.#key = cipher.update(Buffer.alloc(32));
    cipher.final();
    this.#nonce = 0n;
  }
}
