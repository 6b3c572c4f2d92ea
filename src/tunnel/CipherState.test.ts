import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { hasErrorCode } from '../errors/BaseError.ts';
import { CipherState } from './CipherState.ts';

/** ChaCha20-Poly1305 with the Noise nonce encoding, straight from node:crypto (the reference). */
function reference(key: Buffer, nonce: bigint, ad: Buffer, plaintext: Buffer): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeBigUInt64LE(nonce, 4);
  const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
  cipher.setAAD(ad, { plaintextLength: plaintext.length });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

describe('CipherState', () => {
  it('encrypts as ChaCha20-Poly1305 with 4 zero bytes ‖ 64-bit little-endian counter, across the 2^32 boundary', () => {
    const key = randomBytes(32);
    const sender = new CipherState(key);
    const receiver = new CipherState(key);
    const start = 0xffff_fffen;
    sender.setNonce(start);
    receiver.setNonce(start);
    for (let i = 0n; i < 4n; i++) {
      const ad = randomBytes(3);
      const plaintext = randomBytes(100);
      const parts = sender.encryptParts(ad, [plaintext.subarray(0, 7), plaintext.subarray(7)]);
      const wire = Buffer.concat(parts);
      assert.deepEqual(wire, reference(key, start + i, ad, plaintext));
      assert.equal(sender.nonce, start + i + 1n);
      assert.equal(sender.nonceNumber, Number(start + i + 1n));
      assert.deepEqual(receiver.decryptWithAd(ad, wire), plaintext);
    }
  });

  it('rejects a bad tag, and the nonce 2^64 − 1 is never used for a record', () => {
    const key = randomBytes(32);
    const a = new CipherState(key);
    const b = new CipherState(key);
    const wire = a.encryptWithAd(Buffer.alloc(0), Buffer.from('hello'));
    wire[0] = (wire[0] as number) ^ 1;
    assert.throws(
      () => b.decryptWithAd(Buffer.alloc(0), wire),
      (e) => hasErrorCode(e, 'TUNNEL_BAD_TAG'),
    );
    a.setNonce(0xffff_ffff_ffff_ffffn);
    assert.throws(
      () => a.encryptParts(Buffer.alloc(0), [Buffer.from('x')]),
      (e) => hasErrorCode(e, 'TUNNEL_NONCE_EXHAUSTED'),
    );
  });

  it('rekey derives k = ENCRYPT(k, 2^64 − 1, ε, 0^32)[0..32] and restarts the counter', () => {
    const key = randomBytes(32);
    const state = new CipherState(key);
    state.setNonce(5n);
    state.rekey();
    const newKey = reference(key, 0xffff_ffff_ffff_ffffn, Buffer.alloc(0), Buffer.alloc(32)).subarray(0, 32);
    assert.equal(state.nonce, 0n);
    const ad = Buffer.from('ad');
    assert.deepEqual(state.encryptWithAd(ad, Buffer.from('after')), reference(newKey, 0n, ad, Buffer.from('after')));
  });
});
