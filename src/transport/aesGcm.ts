/**
 * AES-256-GCM with a counter nonce (12 bytes, the counter little-endian in the first 8), the AEAD
 * of the obfs transport: hardware-accelerated where the CPU has AES instructions, so the outer
 * layer costs a fraction of the tunnel's own ChaCha20-Poly1305.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { OBFS_TAG_LEN } from './constants.ts';
import { TransportError } from './errors.ts';

export class AesGcmCounter {
  /** A KeyObject, made once: a raw key given to `createCipheriv` is converted on every call (a third of the CPU). */
  readonly #key: KeyObject;
  readonly #nonce = Buffer.alloc(12);
  #counter: bigint;

  /** `counter`: the next nonce (1 when nonce 0 was spent on a record opened elsewhere). */
  constructor(key: Buffer, counter = 0n) {
    this.#key = createSecretKey(key);
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
    // One update over the gathered parts: a tunnel record comes as a 3-byte header, a body and a 16-byte
    // tag, and an update call per small part costs more than the copy.
    const out: Buffer[] = [cipher.update(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts))];
    const final = cipher.final();
    if (final.length > 0) out.push(final);
    out.push(cipher.getAuthTag());
    return out;
  }

  /**
   * Decrypts `sealed` (ciphertext ‖ tag), which may come in several pieces (no gathering copy);
   * throws `TRANSPORT_FRAMING` on a bad tag.
   */
  open(sealed: Buffer | readonly Buffer[]): Buffer {
    const out = this.openPieces(sealed);
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }

  /** `open`, returning the plaintext in the pieces it was decrypted in (no gathering copy). */
  openPieces(sealed: Buffer | readonly Buffer[]): Buffer[] {
    const pieces = Buffer.isBuffer(sealed) ? [sealed] : sealed;
    let total = 0;
    for (const piece of pieces) total += piece.length;
    const decipher = createDecipheriv('aes-256-gcm', this.#key, this.#next(), { authTagLength: OBFS_TAG_LEN });
    const bodyLength = total - OBFS_TAG_LEN;
    const out: Buffer[] = [];
    const tag: Buffer[] = [];
    let at = 0;
    for (const piece of pieces) {
      const inBody = Math.max(0, Math.min(piece.length, bodyLength - at));
      if (inBody > 0) out.push(decipher.update(inBody === piece.length ? piece : piece.subarray(0, inBody)));
      if (inBody < piece.length) tag.push(piece.subarray(inBody));
      at += piece.length;
    }
    decipher.setAuthTag(tag.length === 1 ? (tag[0] as Buffer) : Buffer.concat(tag));
    try {
      decipher.final();
    } catch {
      throw new TransportError('Bad record tag', { code: 'TRANSPORT_FRAMING' });
    }
    return out;
  }
}
