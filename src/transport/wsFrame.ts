/**
 * RFC 6455 framing (pure), binary messages only: what the wss transport carries the tunnel in.
 * A client masks every frame (§5.3, a fresh random key per frame), a server never does; each side
 * refuses the other's wrong masking, text and fragmented-control frames, and frames over
 * `WS_MAX_FRAME_PAYLOAD`. Pings are answered with pongs; a close frame ends the stream.
 */
import { randomFillSync } from 'node:crypto';
import { endianness } from 'node:os';
import { WS_MAX_FRAME_PAYLOAD } from './constants.ts';
import { TransportError } from './errors.ts';
import type { WireFraming } from './WireFraming.ts';

export const WsOpcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

function violation(reason: string): TransportError {
  return new TransportError(`WebSocket framing: ${reason}`, { code: 'TRANSPORT_FRAMING' });
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** Masking keys are drawn from a pool of random bytes refilled 1 024 keys at a time (not one allocation per frame). */
const maskPool = Buffer.alloc(4096);
let maskAt = maskPool.length;

/** A fresh random masking key (RFC 6455 §5.3: unpredictable, from a strong source). */
function nextMask(): number {
  if (maskAt === maskPool.length) {
    randomFillSync(maskPool);
    maskAt = 0;
  }
  const mask = maskPool.readUInt32BE(maskAt);
  maskAt += 4;
  return mask;
}

/**
 * XORs `data` in place with the 4-byte mask (`mask`, big-endian as on the wire), starting at mask
 * byte `phase` (a payload split over several buffers continues where the last one stopped).
 * 32 bits at a time on the aligned middle.
 */
export function applyMask(data: Buffer, mask: number, phase = 0): void {
  const bytes = [(mask >>> 24) & 0xff, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff];
  const length = data.length;
  let i = 0;
  if (LITTLE_ENDIAN && length >= 16) {
    const lead = (4 - (data.byteOffset & 3)) & 3;
    for (; i < lead; i++) data[i] = (data[i] as number) ^ (bytes[(phase + i) & 3] as number);
    const words = (length - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    const m =
      ((bytes[(phase + i) & 3] as number) |
        ((bytes[(phase + i + 1) & 3] as number) << 8) |
        ((bytes[(phase + i + 2) & 3] as number) << 16) |
        ((bytes[(phase + i + 3) & 3] as number) << 24)) >>>
      0;
    for (let w = 0; w < words; w++) view[w] = (view[w] as number) ^ m;
    i += words * 4;
  }
  for (; i < length; i++) data[i] = (data[i] as number) ^ (bytes[(phase + i) & 3] as number);
}

/** One frame of `parts` (their concatenation): the header, then the payload (copied and masked by a client). */
export function encodeWsFrame(opcode: number, parts: readonly Buffer[], masked: boolean): Buffer[] {
  let length = 0;
  for (const part of parts) length += part.length;
  if (!masked) return [frameHeader(opcode, length, undefined), ...parts.filter((p) => p.length > 0)];
  const mask = nextMask();
  const header = frameHeader(opcode, length, mask);
  // The one copy a client makes: the caller's buffers are not ours to mask.
  const body = parts.length === 1 ? Buffer.from(parts[0] as Buffer) : Buffer.concat(parts, length);
  applyMask(body, mask);
  return [header, body];
}

/** A frame header for `length` payload bytes; masked (a client's) with `mask`. */
function frameHeader(opcode: number, length: number, mask: number | undefined): Buffer {
  const extended = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.allocUnsafe(2 + extended + (mask !== undefined ? 4 : 0));
  header[0] = 0x80 | opcode;
  header[1] = (mask !== undefined ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(length, 2);
  else if (extended === 8) {
    // No bigint on the hot path: lengths stay far below 2^32 (`WS_MAX_FRAME_PAYLOAD`).
    header.writeUInt32BE(0, 2);
    header.writeUInt32BE(length, 6);
  }
  if (mask !== undefined) header.writeUInt32BE(mask, 2 + extended);
  return header;
}

/** `takeReplies` when there are none (nearly always): no array per read. */
const NO_REPLIES: Buffer[] = [];

/** What a received frame's payload is: the tunnel's bytes, or a control frame's (gathered, at most 125 bytes). */
type Incoming = { opcode: number; fin: boolean; left: number; mask: number | undefined; phase: number };

/**
 * The framing of one side (`WireFraming`): `client` masks what it sends and expects unmasked frames. Each tunnel
 * unit goes out as one binary frame; received frames of any size and split are unframed in place (a client's
 * masked payload unmasked where it lies).
 */
export function createWsFraming(side: 'client' | 'server'): WireFraming {
  const sendMasked = side === 'client';
  const expectMasked = side === 'server';
  let ended = false;
  let closeSent = false;
  const replies: Buffer[] = [];
  let frame: Incoming | undefined;
  const control: Buffer[] = [];
  const end = (): Buffer | undefined => {
    if (closeSent) return undefined;
    closeSent = true;
    return Buffer.concat(encodeWsFrame(WsOpcode.close, [Buffer.from([0x03, 0xe8])], sendMasked));
  };
  /** A control frame's whole payload has arrived. */
  const onControl = (opcode: number, fin: boolean, payload: Buffer) => {
    if (opcode === WsOpcode.ping) {
      if (!fin || payload.length > 125) throw violation('bad ping');
      replies.push(...encodeWsFrame(WsOpcode.pong, [payload], sendMasked));
    } else if (opcode === WsOpcode.pong) {
      if (!fin || payload.length > 125) throw violation('bad pong');
    } else {
      ended = true;
      const reply = end();
      if (reply) replies.push(reply);
    }
  };
  return {
    get ended() {
      return ended;
    },
    end,
    takeReplies: () => (replies.length > 0 ? replies.splice(0) : NO_REPLIES),
    frame(unit) {
      let length = 0;
      for (const part of unit) length += part.length;
      if (!sendMasked) return [frameHeader(WsOpcode.binary, length, undefined), ...unit];
      const mask = nextMask();
      // The unit's buffers are the channel's own (fresh ciphertext): masked where they are, no copy.
      let phase = 0;
      for (const part of unit) {
        applyMask(part, mask, phase);
        phase = (phase + part.length) & 3;
      }
      return [frameHeader(WsOpcode.binary, length, mask), ...unit];
    },
    unframe(buf, start, stop) {
      let at = start;
      let w = start;
      while (at < stop && !ended) {
        if (frame) {
          const take = Math.min(frame.left, stop - at);
          if (frame.mask !== undefined && take > 0) {
            applyMask(buf.subarray(at, at + take), frame.mask, frame.phase);
            frame.phase = (frame.phase + take) & 3;
          }
          if (frame.opcode === WsOpcode.binary || frame.opcode === WsOpcode.continuation) {
            if (w !== at) buf.copyWithin(w, at, at + take);
            w += take;
          } else control.push(Buffer.from(buf.subarray(at, at + take)));
          at += take;
          frame.left -= take;
          if (frame.left > 0) break;
          const done = frame;
          frame = undefined;
          if (done.opcode !== WsOpcode.binary && done.opcode !== WsOpcode.continuation) {
            onControl(done.opcode, done.fin, Buffer.concat(control.splice(0)));
          }
          continue;
        }
        const have = stop - at;
        if (have < 2) break;
        const b0 = buf[at] as number;
        const b1 = buf[at + 1] as number;
        const opcode = b0 & 0x0f;
        if ((b0 & 0x70) !== 0) throw violation('reserved bits set');
        const masked = (b1 & 0x80) !== 0;
        if (masked !== expectMasked) throw violation(expectMasked ? 'unmasked client frame' : 'masked server frame');
        if (
          opcode !== WsOpcode.binary &&
          opcode !== WsOpcode.continuation &&
          opcode !== WsOpcode.ping &&
          opcode !== WsOpcode.pong &&
          opcode !== WsOpcode.close
        ) {
          throw violation(`opcode ${opcode} not carried`);
        }
        let length = b1 & 0x7f;
        let size = 2;
        if (length === 126) {
          if (have < 4) break;
          length = buf.readUInt16BE(at + 2);
          size = 4;
        } else if (length === 127) {
          if (have < 10) break;
          const long = buf.readBigUInt64BE(at + 2);
          if (long > BigInt(WS_MAX_FRAME_PAYLOAD)) throw violation('frame too large');
          length = Number(long);
          size = 10;
        }
        if (length > WS_MAX_FRAME_PAYLOAD) throw violation('frame too large');
        if (opcode >= WsOpcode.close && length > 125) throw violation('control frame too large');
        if (have < size + (masked ? 4 : 0)) break;
        const mask = masked ? buf.readUInt32BE(at + size) : undefined;
        at += size + (masked ? 4 : 0);
        frame = { opcode, fin: (b0 & 0x80) !== 0, left: length, mask, phase: 0 };
        if (length === 0) {
          frame = undefined;
          if (opcode >= WsOpcode.close) onControl(opcode, (b0 & 0x80) !== 0, Buffer.alloc(0));
        }
      }
      // After a close frame nothing more is read: the rest counts as used.
      return { produced: w, consumed: ended ? stop : at };
    },
  };
}
