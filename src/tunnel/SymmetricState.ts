/**
 * Noise SymmetricState (spec §5.2) with SHA-256: chaining key `ck`, handshake hash `h`,
 * and the CipherState used for handshake payloads. HKDF is the Noise HKDF (HMAC-SHA256,
 * spec §4.3), which equals RFC 5869 HKDF with `ck` as salt and empty info.
 */
import { createHash, createHmac } from 'node:crypto';
import { CipherState } from './CipherState.ts';
import { HASH_LEN } from './constants.ts';

function hmac(key: Buffer, ...data: Buffer[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const d of data) mac.update(d);
  return mac.digest();
}

/** Noise HKDF with two or three outputs. */
export function noiseHkdf(chainingKey: Buffer, input: Buffer, outputs: 2 | 3): Buffer[] {
  const tempKey = hmac(chainingKey, input);
  const out1 = hmac(tempKey, Buffer.of(1));
  const out2 = hmac(tempKey, out1, Buffer.of(2));
  if (outputs === 2) return [out1, out2];
  return [out1, out2, hmac(tempKey, out2, Buffer.of(3))];
}

export class SymmetricState {
  ck: Buffer;
  h: Buffer;
  readonly cipher = new CipherState();

  constructor(protocolName: string) {
    const name = Buffer.from(protocolName);
    this.h = name.length <= HASH_LEN ? Buffer.concat([name, Buffer.alloc(HASH_LEN - name.length)]) : sha256(name);
    this.ck = this.h;
  }

  mixKey(input: Buffer): void {
    const [ck, k] = noiseHkdf(this.ck, input, 2) as [Buffer, Buffer];
    this.ck = ck;
    this.cipher.initializeKey(k);
  }

  mixHash(data: Buffer): void {
    this.h = sha256(this.h, data);
  }

  encryptAndHash(plaintext: Buffer): Buffer {
    const ciphertext = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Buffer): Buffer {
    const plaintext = this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Returns the (initiator→responder, responder→initiator) transport CipherStates. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = noiseHkdf(this.ck, Buffer.alloc(0), 2) as [Buffer, Buffer];
    return [new CipherState(k1), new CipherState(k2)];
  }
}

function sha256(...data: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const d of data) hash.update(d);
  return hash.digest();
}
