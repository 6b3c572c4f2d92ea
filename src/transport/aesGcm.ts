/**
 * AES-256-GCM with a counter nonce (12 bytes, the counter little-endian in the first 8), the AEAD
 * of the obfs transport: hardware-accelerated where the CPU has AES instructions, so the outer
 * layer costs a fraction of the tunnel's own ChaCha20-Poly1305.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { OBFS_TAG_LEN } from './constants.ts';
import { TransportError } from './errors.ts';

export class AesGcmCounter {
  readonly #key: Buffer;
  readonly #nonce = Buffer.alloc(12);
  #counter: bigint;

  /** `counter`: the next nonce (1 when nonce 0 was spent on a record opened elsewhere). */
  constructor(key: Buffer, counter = 0n) {
    this.#key = key;
    this.#counter = counter;
  }

  #next(): Buffer {
    this.#nonce.writeBigUInt64LE(this.#counter);
    this.#counter += 1n;
    return this.#nonce;
  }

  /** Encrypts the concatenation of `parts`; returns ciphertext pieces followed by the tag. */
  seal(parts: readonly Buffer[]): Buffer[] {
    const cipher = createCipheriv('aes-256-gcm', this.#key, this.#next(), { authTagLength: OBFS_TAG_LEN });
    const out: Buffer[] = [];
    for (const part of parts) if (part.length > 0) out.push(cipher.update(part));
    const final = cipher.final();
    if (final.length > 0) out.push(final);
    out.push(cipher.getAuthTag());
    return out;
  }

  /** Decrypts `sealed` (ciphertext ‖ tag); throws `TRANSPORT_FRAMING` on a bad tag. */
  open(sealed: Buffer): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.#key, this.#next(), { authTagLength: OBFS_TAG_LEN });
    decipher.setAuthTag(sealed.subarray(sealed.length - OBFS_TAG_LEN));
    const body = decipher.update(sealed.subarray(0, sealed.length - OBFS_TAG_LEN));
    try {
      decipher.final();
    } catch {
      throw new TransportError('Bad record tag', { code: 'TRANSPORT_FRAMING' });
    }
    return body;
  }
}
