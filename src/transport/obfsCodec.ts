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
  OBFS_MAX_FIRST_PAYLOAD,
  OBFS_MAX_PADDING,
  OBFS_MAX_PAYLOAD,
  OBFS_PADDING_FLAG,
  OBFS_SALT_LEN,
  OBFS_SMALL_RECORD,
  OBFS_TAG_LEN,
} from './constants.ts';
import { TransportError } from './errors.ts';
import type { Unframed, WireFraming } from './WireFraming.ts';

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

function violation(reason: string): TransportError {
  return new TransportError(`obfs framing: ${reason}`, { code: 'TRANSPORT_FRAMING' });
}

/** The keystream that masks the tunnel's length fields in one direction (AES-256-CTR, its own key). */
function lengthMask(key: Buffer): Cipheriv {
  return createCipheriv(
    'aes-256-ctr',
    Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'bandex obfs v2 mask', 32)),
    Buffer.alloc(16),
  );
}

/**
 * Seals one direction, a tunnel unit at a time (`SecureChannel` hands each handshake message and record whole):
 * the first unit goes out as the salt and an AEAD first record, every later one as its length field masked,
 * its body as it is, and a padding unit after a small one.
 */
class ObfsSealer {
  readonly #salt: Buffer;
  readonly #cipher: AesGcmCounter;
  readonly #mask: Cipheriv;
  #first = true;
  readonly #timestamp: (() => number) | undefined;

  constructor(salt: Buffer, key: Buffer, timestamp?: () => number) {
    this.#salt = salt;
    this.#cipher = new AesGcmCounter(key);
    this.#mask = lengthMask(key);
    this.#timestamp = timestamp;
  }

  frame(unit: readonly Buffer[]): Buffer[] {
    let length = 0;
    for (const part of unit) length += part.length;
    if (this.#first) return this.#opening(unit, length);
    const header = unit[0] as Buffer;
    const body = length - header.length;
    if (header.length !== 3 || body >= OBFS_PADDING_FLAG) throw violation('not a tunnel record');
    const out: Buffer[] = [this.#mask.update(header)];
    for (let i = 1; i < unit.length; i++) if ((unit[i] as Buffer).length > 0) out.push(unit[i] as Buffer);
    // After a small unit, a padding unit of random size: small units' lengths say nothing.
    if (body < OBFS_SMALL_RECORD) {
      const n = obfsPadding(body, false);
      if (n > 0) {
        const pad = Buffer.alloc(3);
        pad.writeUIntBE(OBFS_PADDING_FLAG | n, 0, 3);
        out.push(this.#mask.update(pad), randomBytes(n));
      }
    }
    return out;
  }

  /** The first unit (the tunnel's handshake message): salt, AEAD header (the client's with its clock), AEAD
   * payload and padding, so that nothing of the handshake is ever in clear. */
  #opening(unit: readonly Buffer[], length: number): Buffer[] {
    if (length > OBFS_MAX_FIRST_PAYLOAD) throw violation('opening unit too large');
    this.#first = false;
    const padding = obfsPadding(length, true);
    const stamped = this.#timestamp !== undefined;
    const header = Buffer.alloc(stamped ? OBFS_FIRST_HEADER_LEN : OBFS_HEADER_LEN);
    let at = 0;
    if (stamped) at = header.writeBigUInt64BE(BigInt((this.#timestamp as () => number)()));
    at = header.writeUIntBE(length, at, 3);
    header.writeUInt16BE(padding, at);
    const parts = padding > 0 ? [...unit, Buffer.alloc(padding)] : unit;
    return [this.#salt, ...this.#cipher.seal([header]), ...this.#cipher.seal(parts)];
  }
}

/**
 * Opens one direction in place: its AEAD first record (after the salt, on the client), then the tunnel's units
 * with masked lengths — each length field unmasked where it lies, padding units dropped, bodies left as they are.
 */
class ObfsOpener {
  /** Called with the first wire bytes (the server's salt) to get the key; unset once it is known. */
  #keyFromSalt: ((salt: Buffer) => Buffer) | undefined;
  #cipher: AesGcmCounter | undefined;
  #mask: Cipheriv | undefined;
  /** Sizes of the first record's body once its header is open. */
  #body: { payload: number; padding: number } | undefined;
  /** Past the first record: lengths are masked, bodies pass through. */
  #masked = false;
  /** Tunnel units whose length field was read: the first (the handshake message) has a 2-byte one, the others 3. */
  #units = 0;
  /** Body bytes left in the current unit (a tunnel unit's, or padding's). */
  #bodyLeft = 0;
  /** The current body is padding: dropped. */
  #padding = false;

  constructor(init: { keyFromSalt: (salt: Buffer) => Buffer } | { key: Buffer; payload: number; padding: number }) {
    if ('keyFromSalt' in init) this.#keyFromSalt = init.keyFromSalt;
    else {
      // The first header, opened by `openFirstHeader`, spent nonce 0.
      this.#keyed(init.key, 1n);
      this.#expectBody(init.payload, init.padding);
    }
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

  #keyed(key: Buffer, nonce: bigint): void {
    this.#cipher = new AesGcmCounter(key, nonce);
    this.#mask = lengthMask(key);
  }

  #expectBody(payload: number, padding: number): void {
    if (payload > OBFS_MAX_FIRST_PAYLOAD || padding > OBFS_FIRST_PADDING) throw violation('first record too large');
    this.#body = { payload, padding };
  }

  unframe(buf: Buffer, start: number, end: number): Unframed {
    let at = start;
    let w = start;
    while (!this.#masked) {
      if (this.#keyFromSalt) {
        if (end - at < OBFS_SALT_LEN) return { produced: w, consumed: at };
        this.#keyed(this.#keyFromSalt(Buffer.from(buf.subarray(at, at + OBFS_SALT_LEN))), 0n);
        this.#keyFromSalt = undefined;
        at += OBFS_SALT_LEN;
      } else if (!this.#body) {
        const need = OBFS_HEADER_LEN + OBFS_TAG_LEN;
        if (end - at < need) return { produced: w, consumed: at };
        const plain = this.#open(buf.subarray(at, at + need));
        at += need;
        this.#expectBody(plain.readUIntBE(0, 3), plain.readUInt16BE(3));
      } else {
        const { payload, padding } = this.#body;
        const need = payload + padding + OBFS_TAG_LEN;
        if (end - at < need) return { produced: w, consumed: at };
        // The plaintext is shorter than its ciphertext: it goes where the ciphertext was.
        const plain = this.#open(buf.subarray(at, at + need)).subarray(0, payload);
        at += need;
        this.#walkOpening(plain);
        plain.copy(buf, w);
        w += payload;
        this.#body = undefined;
        this.#masked = true;
      }
    }
    const mask = this.#mask as Cipheriv;
    while (at < end) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, end - at);
        if (!this.#padding) {
          if (w !== at) buf.copyWithin(w, at, at + take);
          w += take;
        }
        this.#bodyLeft -= take;
        at += take;
        continue;
      }
      const headerLength = this.#units === 0 ? 2 : 3;
      if (end - at < headerLength) break;
      const plain = mask.update(buf.subarray(at, at + headerLength));
      at += headerLength;
      const value = headerLength === 2 ? plain.readUInt16BE(0) : plain.readUIntBE(0, 3);
      if (headerLength === 3 && value & OBFS_PADDING_FLAG) {
        this.#padding = true;
        this.#bodyLeft = value & ~OBFS_PADDING_FLAG;
        if (this.#bodyLeft > OBFS_MAX_PADDING) throw violation('padding too large');
        continue;
      }
      if (value > OBFS_MAX_PAYLOAD) throw violation('record too large');
      this.#padding = false;
      this.#units += 1;
      this.#bodyLeft = value;
      // Unmasked where it lay (`w` never passes `at`).
      plain.copy(buf, w);
      w += headerLength;
    }
    return { produced: w, consumed: at };
  }

  /** Opens one sealed item of the first record (`TRANSPORT_FRAMING` on a bad tag). */
  #open(sealed: Buffer): Buffer {
    return (this.#cipher as AesGcmCounter).open(sealed);
  }

  /** Moves over the first record's payload (its units' lengths were not masked); it must end between headers. */
  #walkOpening(payload: Buffer): void {
    let at = 0;
    while (at < payload.length) {
      if (this.#bodyLeft > 0) {
        const take = Math.min(this.#bodyLeft, payload.length - at);
        this.#bodyLeft -= take;
        at += take;
        continue;
      }
      const headerLength = this.#units === 0 ? 2 : 3;
      if (payload.length - at < headerLength) throw violation('a length field cut by the first record');
      this.#bodyLeft = headerLength === 2 ? payload.readUInt16BE(at) : payload.readUIntBE(at, 3);
      this.#units += 1;
      at += headerLength;
    }
  }
}

/** One side's framing: sends through `sealer`, receives through `opener`. */
function obfsFraming(sealer: ObfsSealer, opener: ObfsOpener, jitterMs: number | undefined): WireFraming {
  return {
    frame: (unit) => sealer.frame(unit),
    unframe: (buf, start, end) => opener.unframe(buf, start, end),
    ...(jitterMs ? { jitterMs } : {}),
  };
}

/** The client's framing: sends its salt and a timestamped first record; expects the server's salt first. */
export function createObfsClientFraming(
  psk: Buffer,
  options: { now?: () => number; jitterMs?: number } = {},
): WireFraming {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const salt = randomBytes(OBFS_SALT_LEN);
  const sealer = new ObfsSealer(salt, obfsKey(psk, salt, 'c2s'), now);
  const opener = new ObfsOpener({
    keyFromSalt: (serverSalt) => obfsKey(psk, Buffer.concat([serverSalt, salt]), 's2c'),
  });
  return obfsFraming(sealer, opener, options.jitterMs);
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
    if (fields.payload > OBFS_MAX_FIRST_PAYLOAD || fields.padding > OBFS_FIRST_PADDING) return undefined;
    return { salt, ...fields };
  } catch {
    return undefined;
  }
}

/** The server's framing for an authenticated client (its hello already opened). */
export function createObfsServerFraming(psk: Buffer, hello: ObfsClientHello, jitterMs?: number): WireFraming {
  const opener = new ObfsOpener({
    key: obfsKey(psk, hello.salt, 'c2s'),
    payload: hello.payload,
    padding: hello.padding,
  });
  const salt = randomBytes(OBFS_SALT_LEN);
  const sealer = new ObfsSealer(salt, obfsKey(psk, Buffer.concat([salt, hello.salt]), 's2c'));
  return obfsFraming(sealer, opener, jitterMs);
}
