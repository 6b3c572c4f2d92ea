/**
 * The obfs transport's framing (pure): a look-like-nothing stream in the Shadowsocks 2022 family.
 * Each direction opens with a random 32-byte salt; its key is HKDF-SHA256 of the offer's pre-shared
 * key with that salt (the server's also with the client's salt, so a recorded server stream cannot be
 * replayed to a client). Then records: `AEAD(header) ‖ AEAD(payload ‖ zero padding)` with
 *
 *   header = [unix seconds u64, client's first record only] ‖ payload length u24 ‖ padding length u16
 *
 * under AES-256-GCM with a counter nonce. Every byte on the wire is a salt, a ciphertext or a tag:
 * uniformly random to anyone without the key. The first record of each direction is padded by a
 * random amount (no fixed-size first packet), small records are padded up to a random size.
 */
import { hkdfSync, randomBytes, randomInt } from 'node:crypto';
import { AesGcmCounter } from './aesGcm.ts';
import {
  OBFS_FIRST_HEADER_LEN,
  OBFS_FIRST_PADDING,
  OBFS_HEADER_LEN,
  OBFS_MAX_PADDING,
  OBFS_MAX_PAYLOAD,
  OBFS_SALT_LEN,
  OBFS_SMALL_RECORD,
  OBFS_TAG_LEN,
} from './constants.ts';
import { TransportError } from './errors.ts';
import type { FrameCodec } from './FramedStream.ts';

/** Wire bytes a server needs to authenticate a client: its salt and its first header. */
export const OBFS_CLIENT_HELLO_LEN = OBFS_SALT_LEN + OBFS_FIRST_HEADER_LEN + OBFS_TAG_LEN;

export function obfsKey(psk: Buffer, salt: Buffer, direction: 'c2s' | 's2c'): Buffer {
  return Buffer.from(hkdfSync('sha256', psk, salt, `bandex obfs v1 ${direction}`, 32));
}

/** Random padding for a record of `length` payload bytes (`first`: the first record of its direction). */
export function obfsPadding(length: number, first: boolean): number {
  if (first) return randomInt(0, OBFS_FIRST_PADDING + 1);
  if (length < OBFS_SMALL_RECORD) return randomInt(0, OBFS_SMALL_RECORD - length + 1);
  return 0;
}

/** Seals one direction's records. The first `encode` also emits the salt. */
class ObfsSealer {
  readonly #salt: Buffer;
  readonly #cipher: AesGcmCounter;
  #first = true;
  readonly #timestamp: (() => number) | undefined;

  constructor(salt: Buffer, key: Buffer, timestamp?: () => number) {
    this.#salt = salt;
    this.#cipher = new AesGcmCounter(key);
    this.#timestamp = timestamp;
  }

  encode(chunks: readonly Buffer[]): Buffer[] {
    const out: Buffer[] = [];
    if (this.#first) out.push(this.#salt);
    let index = 0;
    let offset = 0;
    // Cut the batch into records of at most OBFS_MAX_PAYLOAD bytes without copying.
    do {
      const parts: Buffer[] = [];
      let length = 0;
      while (index < chunks.length && length < OBFS_MAX_PAYLOAD) {
        const chunk = chunks[index] as Buffer;
        const take = Math.min(chunk.length - offset, OBFS_MAX_PAYLOAD - length);
        parts.push(offset === 0 && take === chunk.length ? chunk : chunk.subarray(offset, offset + take));
        length += take;
        offset += take;
        if (offset === chunk.length) {
          index += 1;
          offset = 0;
        }
      }
      const padding = Math.min(obfsPadding(length, this.#first), OBFS_MAX_PADDING);
      const first = this.#first && this.#timestamp !== undefined;
      const header = Buffer.alloc(first ? OBFS_FIRST_HEADER_LEN : OBFS_HEADER_LEN);
      let at = 0;
      if (first) at = header.writeBigUInt64BE(BigInt((this.#timestamp as () => number)()));
      at = header.writeUIntBE(length, at, 3);
      header.writeUInt16BE(padding, at);
      this.#first = false;
      out.push(...this.#cipher.seal([header]));
      if (padding > 0) parts.push(Buffer.alloc(padding));
      out.push(...this.#cipher.seal(parts));
    } while (index < chunks.length);
    return out;
  }
}

/** Opens one direction's records (after its salt). */
class ObfsOpener {
  readonly #cipher: AesGcmCounter;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** Wire bytes of the next item: a header, or a body of this length. */
  #need: number;
  #body: { payload: number } | undefined;

  constructor(key: Buffer, afterFirstHeader?: { payload: number; padding: number }) {
    // The first header, opened by `openFirstHeader`, spent nonce 0.
    this.#cipher = new AesGcmCounter(key, afterFirstHeader ? 1n : 0n);
    this.#need = OBFS_HEADER_LEN + OBFS_TAG_LEN;
    if (afterFirstHeader) this.#expectBody(afterFirstHeader.payload, afterFirstHeader.padding);
  }

  /** Opens a first header already split off (the server's authentication step); returns its fields. */
  static openFirstHeader(key: Buffer, sealed: Buffer): { timestamp: number; payload: number; padding: number } {
    const plain = new AesGcmCounter(key).open(sealed);
    return {
      timestamp: Number(plain.readBigUInt64BE(0)),
      payload: plain.readUIntBE(8, 3),
      padding: plain.readUInt16BE(11),
    };
  }

  #expectBody(payload: number, padding: number): void {
    if (payload > OBFS_MAX_PAYLOAD) throw new TransportError('Record too large', { code: 'TRANSPORT_FRAMING' });
    this.#body = { payload };
    this.#need = payload + padding + OBFS_TAG_LEN;
  }

  decode(chunk: Buffer): Buffer[] {
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    const out: Buffer[] = [];
    while (this.#pendingLength >= this.#need) {
      const sealed = this.#take(this.#need);
      if (this.#body) {
        // The payload, in the pieces it was decrypted in, without the padding behind it.
        let left = this.#body.payload;
        for (const piece of this.#cipher.openPieces(sealed)) {
          if (left <= 0) break;
          out.push(piece.length <= left ? piece : piece.subarray(0, left));
          left -= piece.length;
        }
        this.#body = undefined;
        this.#need = OBFS_HEADER_LEN + OBFS_TAG_LEN;
      } else {
        const plain = this.#cipher.open(sealed);
        this.#expectBody(plain.readUIntBE(0, 3), plain.readUInt16BE(3));
      }
    }
    return out;
  }

  /** The next `n` pending bytes, as the pieces they arrived in (no copy). */
  #take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const piece = this.#pending[0] as Buffer;
      if (piece.length <= left) {
        out.push(piece);
        this.#pending.shift();
        left -= piece.length;
      } else {
        out.push(piece.subarray(0, left));
        this.#pending[0] = piece.subarray(left);
        left = 0;
      }
    }
    this.#pendingLength -= n;
    return out;
  }
}

/** The client's codec: sends its salt and a timestamped first record; expects the server's salt first. */
export function createObfsClientCodec(
  psk: Buffer,
  now: () => number = () => Math.floor(Date.now() / 1000),
): FrameCodec {
  const salt = randomBytes(OBFS_SALT_LEN);
  const sealer = new ObfsSealer(salt, obfsKey(psk, salt, 'c2s'), now);
  let opener: ObfsOpener | undefined;
  let head: Buffer = Buffer.alloc(0);
  return {
    encode: (chunks) => sealer.encode(chunks),
    decode: (chunk) => {
      if (opener) return opener.decode(chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < OBFS_SALT_LEN) return [];
      const serverSalt = head.subarray(0, OBFS_SALT_LEN);
      opener = new ObfsOpener(obfsKey(psk, Buffer.concat([serverSalt, salt]), 's2c'));
      const rest = head.subarray(OBFS_SALT_LEN);
      head = Buffer.alloc(0);
      return rest.length > 0 ? opener.decode(rest) : [];
    },
  };
}

export type ObfsClientHello = { salt: Buffer; timestamp: number; payload: number; padding: number };

/**
 * Authenticates a client's first `OBFS_CLIENT_HELLO_LEN` bytes with the pre-shared key. Returns
 * undefined for anything else (random bytes, another key, a truncated or corrupted hello).
 */
export function openObfsClientHello(psk: Buffer, hello: Buffer): ObfsClientHello | undefined {
  if (hello.length < OBFS_CLIENT_HELLO_LEN) return undefined;
  const salt = Buffer.from(hello.subarray(0, OBFS_SALT_LEN));
  try {
    const fields = ObfsOpener.openFirstHeader(
      obfsKey(psk, salt, 'c2s'),
      hello.subarray(OBFS_SALT_LEN, OBFS_CLIENT_HELLO_LEN),
    );
    if (fields.payload > OBFS_MAX_PAYLOAD) return undefined;
    return { salt, ...fields };
  } catch {
    return undefined;
  }
}

/** The server's codec for an authenticated client (its hello already opened). */
export function createObfsServerCodec(psk: Buffer, hello: ObfsClientHello): FrameCodec {
  const opener = new ObfsOpener(obfsKey(psk, hello.salt, 'c2s'), hello);
  const salt = randomBytes(OBFS_SALT_LEN);
  const sealer = new ObfsSealer(salt, obfsKey(psk, Buffer.concat([salt, hello.salt]), 's2c'));
  return { encode: (chunks) => sealer.encode(chunks), decode: (chunk) => opener.decode(chunk) };
}
