/**
 * The obfs transport's framing (pure): a look-like-nothing stream in the Shadowsocks 2022 family.
 * Each direction opens with a random 32-byte salt; its key is HKDF-SHA256 of the offer's pre-shared
 * key with that salt (the server's also with the client's salt, so a recorded server stream cannot be
 * replayed to a client). Then one AEAD record: `AEAD(header) ‖ AEAD(payload ‖ zero padding)` with
 *
 *   header = [unix seconds u64, client's first record only] ‖ payload length u24 ‖ padding length u16
 *
 * under AES-256-GCM with a counter nonce; it carries the tunnel's handshake message, padded by a random
 * amount (no fixed-size first packet). After it, the tunnel's own units go through as they are — their
 * bodies are already Noise ciphertext — with only their length fields (u16, then u24) XORed with an
 * AES-256-CTR keystream of their own (obfs4 masks its frame lengths the same way), and a padding unit (a
 * masked u24 with `OBFS_PADDING_FLAG` set, then random bytes) after each small unit. Every byte on the wire
 * is a salt, a ciphertext, a tag, a masked length or random padding: uniformly random to anyone without the
 * key, with no second encryption of the bulk. A masked length is not authenticated here: a changed one gives
 * the tunnel a length its AEAD (which covers the length) rejects.
 */
import { type Cipheriv, createCipheriv, hkdfSync, randomBytes, randomInt } from 'node:crypto';
import { AesGcmCounter } from './aesGcm.ts';
import {
  OBFS_FIRST_HEADER_LEN,
  OBFS_FIRST_PADDING,
  OBFS_HEADER_LEN,
  OBFS_MAX_PADDING,
  OBFS_MAX_PAYLOAD,
  OBFS_PADDING_FLAG,
  OBFS_SALT_LEN,
  OBFS_SMALL_RECORD,
  OBFS_TAG_LEN,
} from './constants.ts';
import { TransportError } from './errors.ts';
import type { FrameCodec } from './FramedStream.ts';

/** Wire bytes a server needs to authenticate a client: its salt and its first header. */
export const OBFS_CLIENT_HELLO_LEN = OBFS_SALT_LEN + OBFS_FIRST_HEADER_LEN + OBFS_TAG_LEN;

export function obfsKey(psk: Buffer, salt: Buffer, direction: 'c2s' | 's2c'): Buffer {
  return Buffer.from(hkdfSync('sha256', psk, salt, `bandex obfs v2 ${direction}`, 32));
}

/** Random padding for a record of `length` payload bytes (`first`: the first record of its direction). */
export function obfsPadding(length: number, first: boolean): number {
  if (first) return randomInt(0, OBFS_FIRST_PADDING + 1);
  if (length < OBFS_SMALL_RECORD) return randomInt(0, OBFS_SMALL_RECORD - length + 1);
  return 0;
}

/**
 * Where the tunnel's own units are in the stream obfs carries: one handshake message behind a u16 length, then
 * records behind a u24 length (`tunnel/SecureChannel.ts`, docs/tunnel.md). After each direction's first record,
 * obfs masks these length fields instead of encrypting everything a second time.
 */
class TunnelCursor {
  /** Tunnel units whose header was read (the first has a 2-byte header, the others 3). */
  units = 0;
  /** Body bytes left in the current unit (a tunnel unit's, or padding's on the receiving side). */
  bodyLeft = 0;
  readonly #head = Buffer.alloc(3);
  #have = 0;

  get headerLength(): number {
    return this.units === 0 ? 2 : 3;
  }

  /** Moves over `chunk` without changing it (the first record's payload: its lengths were not masked). */
  advance(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.bodyLeft > 0) {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= take;
        at += take;
        continue;
      }
      const { taken, header } = this.takeHeader(chunk, at);
      at += taken;
      if (!header) break;
      this.bodyLeft = headerValue(header);
      this.units += 1;
    }
  }

  /** Takes header bytes from `chunk` at `at`; returns how many, and the header once complete. */
  takeHeader(chunk: Buffer, at: number): { taken: number; header?: Buffer } {
    const need = this.headerLength - this.#have;
    const taken = Math.min(need, chunk.length - at);
    chunk.copy(this.#head, this.#have, at, at + taken);
    this.#have += taken;
    if (this.#have < this.headerLength) return { taken };
    this.#have = 0;
    return { taken, header: this.#head.subarray(0, this.headerLength) };
  }
}

function headerValue(header: Buffer): number {
  return header.length === 2 ? header.readUInt16BE(0) : header.readUIntBE(0, 3);
}

/** The keystream that masks the tunnel's length fields in one direction (AES-256-CTR, its own key). */
function lengthMask(key: Buffer) {
  return createCipheriv(
    'aes-256-ctr',
    Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'bandex obfs v2 mask', 32)),
    Buffer.alloc(16),
  );
}

/** Seals one direction: the salt and an AEAD first record, then the tunnel's units with masked lengths. */
class ObfsSealer {
  readonly #salt: Buffer;
  readonly #cipher: AesGcmCounter;
  readonly #mask: Cipheriv;
  readonly #cursor = new TunnelCursor();
  /** Body length of the last tunnel unit: a small one is followed by padding. */
  #lastBody = 0;
  #first = true;
  readonly #timestamp: (() => number) | undefined;

  constructor(salt: Buffer, key: Buffer, timestamp?: () => number) {
    this.#salt = salt;
    this.#cipher = new AesGcmCounter(key);
    this.#mask = lengthMask(key);
    this.#timestamp = timestamp;
  }

  encode(chunks: readonly Buffer[]): Buffer[] {
    const out: Buffer[] = [];
    let index = 0;
    let offset = 0;
    if (this.#first) {
      // The first record: salt, AEAD header (the client's with its clock), AEAD payload and padding. It carries
      // the tunnel's handshake message, so nothing of the handshake is ever in clear.
      out.push(this.#salt);
      const parts: Buffer[] = [];
      let length = 0;
      while (index < chunks.length && length < OBFS_MAX_PAYLOAD) {
        const chunk = chunks[index] as Buffer;
        const take = Math.min(chunk.length, OBFS_MAX_PAYLOAD - length);
        const part = take === chunk.length ? chunk : chunk.subarray(0, take);
        parts.push(part);
        this.#cursor.advance(part);
        length += take;
        if (take === chunk.length) index += 1;
        else offset = take;
      }
      const padding = obfsPadding(length, true);
      const stamped = this.#timestamp !== undefined;
      const header = Buffer.alloc(stamped ? OBFS_FIRST_HEADER_LEN : OBFS_HEADER_LEN);
      let at = 0;
      if (stamped) at = header.writeBigUInt64BE(BigInt((this.#timestamp as () => number)()));
      at = header.writeUIntBE(length, at, 3);
      header.writeUInt16BE(padding, at);
      this.#first = false;
      out.push(...this.#cipher.seal([header]));
      if (padding > 0) parts.push(Buffer.alloc(padding));
      out.push(...this.#cipher.seal(parts));
    }
    for (; index < chunks.length; index++) {
      const chunk = chunks[index] as Buffer;
      this.#walk(offset === 0 ? chunk : chunk.subarray(offset), out);
      offset = 0;
    }
    return out;
  }

  /** Walks `chunk` along the tunnel's units into `out`, lengths masked, padding after small units. */
  #walk(chunk: Buffer, out: Buffer[]): void {
    const cursor = this.#cursor;
    let at = 0;
    while (at < chunk.length) {
      if (cursor.bodyLeft > 0) {
        const take = Math.min(cursor.bodyLeft, chunk.length - at);
        out.push(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take));
        cursor.bodyLeft -= take;
        at += take;
        if (cursor.bodyLeft === 0) this.#pad(out);
        continue;
      }
      const { taken, header } = cursor.takeHeader(chunk, at);
      at += taken;
      if (!header) break;
      const value = headerValue(header);
      if (value >= OBFS_PADDING_FLAG)
        throw new TransportError('A tunnel unit too large for obfs', { code: 'TRANSPORT_FRAMING' });
      out.push(this.#mask.update(header));
      cursor.units += 1;
      cursor.bodyLeft = value;
      this.#lastBody = value;
      if (value === 0) this.#pad(out);
    }
  }

  /** After a small tunnel unit, a padding unit of random size: small units' lengths say nothing. */
  #pad(out: Buffer[]): void {
    if (this.#lastBody >= OBFS_SMALL_RECORD) return;
    const n = obfsPadding(this.#lastBody, false);
    if (n === 0) return;
    const header = Buffer.alloc(3);
    header.writeUIntBE(OBFS_PADDING_FLAG | n, 0, 3);
    out.push(this.#mask.update(header), randomBytes(n));
  }
}

/** Opens one direction: its AEAD first record (after the salt), then the tunnel's units with masked lengths. */
class ObfsOpener {
  readonly #cipher: AesGcmCounter;
  readonly #mask: Cipheriv;
  readonly #cursor = new TunnelCursor();
  /** The current masked-mode body is padding: dropped. */
  #padding = false;
  /** Past the first record: lengths are masked, bodies pass through. */
  #masked = false;
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** Wire bytes of the first record's next item: its header, or its body of this length. */
  #need: number;
  #body: { payload: number } | undefined;

  constructor(key: Buffer, afterFirstHeader?: { payload: number; padding: number }) {
    // The first header, opened by `openFirstHeader`, spent nonce 0.
    this.#cipher = new AesGcmCounter(key, afterFirstHeader ? 1n : 0n);
    this.#mask = lengthMask(key);
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
    const out: Buffer[] = [];
    if (this.#masked) {
      this.#unmask(chunk, out);
      return out;
    }
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    while (!this.#masked && this.#pendingLength >= this.#need) {
      const sealed = this.#take(this.#need);
      if (this.#body) {
        // The payload, in the pieces it was decrypted in, without the padding behind it.
        let left = this.#body.payload;
        for (const piece of this.#cipher.openPieces(sealed)) {
          if (left <= 0) break;
          const part = piece.length <= left ? piece : piece.subarray(0, left);
          this.#cursor.advance(part);
          out.push(part);
          left -= part.length;
        }
        this.#body = undefined;
        this.#masked = true;
      } else {
        const plain = this.#cipher.open(sealed);
        this.#expectBody(plain.readUIntBE(0, 3), plain.readUInt16BE(3));
      }
    }
    if (this.#masked) {
      const rest = this.#pending;
      this.#pending = [];
      this.#pendingLength = 0;
      for (const piece of rest) this.#unmask(piece, out);
    }
    return out;
  }

  #unmask(chunk: Buffer, out: Buffer[]): void {
    const cursor = this.#cursor;
    let at = 0;
    while (at < chunk.length) {
      if (cursor.bodyLeft > 0) {
        const take = Math.min(cursor.bodyLeft, chunk.length - at);
        if (!this.#padding) out.push(at === 0 && take === chunk.length ? chunk : chunk.subarray(at, at + take));
        cursor.bodyLeft -= take;
        at += take;
        continue;
      }
      const { taken, header } = cursor.takeHeader(chunk, at);
      at += taken;
      if (!header) break;
      const plain = this.#mask.update(header);
      const value = headerValue(plain);
      if (plain.length === 3 && value & OBFS_PADDING_FLAG) {
        this.#padding = true;
        cursor.bodyLeft = value & ~OBFS_PADDING_FLAG;
        if (cursor.bodyLeft > OBFS_MAX_PADDING)
          throw new TransportError('Padding too large', { code: 'TRANSPORT_FRAMING' });
        continue;
      }
      if (value > OBFS_MAX_PAYLOAD) throw new TransportError('Record too large', { code: 'TRANSPORT_FRAMING' });
      this.#padding = false;
      cursor.units += 1;
      cursor.bodyLeft = value;
      out.push(plain);
    }
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
