/**
 * scrypt (RFC 7914) for key files: node:crypto's (OpenSSL's) implementation, and a plain TypeScript one
 * for the parameters OpenSSL refuses — it enforces the RFC's N < 2^(16·r), which the Web3 Secret Storage
 * test vector (N = 2^18, r = 1) and some old geth "light" files break, while geth itself accepts them.
 */
import { pbkdf2Sync, scryptSync } from 'node:crypto';

export function scrypt(password: string, salt: Buffer, n: number, r: number, p: number, dklen: number): Buffer {
  if (Math.log2(n) < 16 * r)
    return scryptSync(password, salt, dklen, { N: n, r, p, maxmem: 2 * 128 * n * r + 2 ** 20 });
  return scryptPortable(Buffer.from(password, 'utf8'), salt, n, r, p, dklen);
}

/** RFC 7914 §6: PBKDF2 → ROMix per block → PBKDF2. */
export function scryptPortable(password: Buffer, salt: Buffer, n: number, r: number, p: number, dklen: number): Buffer {
  const blockWords = 32 * r;
  const b = pbkdf2Sync(password, salt, 1, p * 128 * r, 'sha256');
  const words = new Uint32Array(p * blockWords);
  for (let i = 0; i < words.length; i++) words[i] = b.readUInt32LE(i * 4);
  const v = new Uint32Array(n * blockWords);
  const x = new Uint32Array(blockWords);
  const y = new Uint32Array(blockWords);
  for (let block = 0; block < p; block++) {
    const start = block * blockWords;
    x.set(words.subarray(start, start + blockWords));
    for (let i = 0; i < n; i++) {
      v.set(x, i * blockWords);
      blockMix(x, y, r);
    }
    for (let i = 0; i < n; i++) {
      const j = (x[blockWords - 16] as number) % n;
      for (let k = 0; k < blockWords; k++) (x as Uint32Array)[k] = (x[k] as number) ^ (v[j * blockWords + k] as number);
      blockMix(x, y, r);
    }
    words.set(x, start);
  }
  for (let i = 0; i < words.length; i++) b.writeUInt32LE(words[i] as number, i * 4);
  return pbkdf2Sync(password, b, 1, dklen, 'sha256');
}

/** BlockMix with Salsa20/8, in place on `b` (2r 64-byte blocks); `y` is scratch of the same size. */
function blockMix(b: Uint32Array, y: Uint32Array, r: number): void {
  const t = b.slice((2 * r - 1) * 16, 2 * r * 16);
  for (let i = 0; i < 2 * r; i++) {
    for (let k = 0; k < 16; k++) (t as Uint32Array)[k] = (t[k] as number) ^ (b[i * 16 + k] as number);
    salsa208(t);
    // Even blocks go to the first half, odd blocks to the second.
    y.set(t, ((i & 1) * r + (i >> 1)) * 16);
  }
  b.set(y);
}

function salsa208(b: Uint32Array): void {
  const x = b.slice();
  const R = (a: number, s: number) => (a << s) | (a >>> (32 - s));
  const q = (a: number, bb: number, c: number, d: number) => {
    x[bb] = (x[bb] as number) ^ R(((x[a] as number) + (x[d] as number)) | 0, 7);
    x[c] = (x[c] as number) ^ R(((x[bb] as number) + (x[a] as number)) | 0, 9);
    x[d] = (x[d] as number) ^ R(((x[c] as number) + (x[bb] as number)) | 0, 13);
    x[a] = (x[a] as number) ^ R(((x[d] as number) + (x[c] as number)) | 0, 18);
  };
  for (let i = 0; i < 8; i += 2) {
    q(0, 4, 8, 12);
    q(5, 9, 13, 1);
    q(10, 14, 2, 6);
    q(15, 3, 7, 11);
    q(0, 1, 2, 3);
    q(5, 6, 7, 4);
    q(10, 11, 8, 9);
    q(15, 12, 13, 14);
  }
  for (let i = 0; i < 16; i++) b[i] = ((b[i] as number) + (x[i] as number)) | 0;
}
