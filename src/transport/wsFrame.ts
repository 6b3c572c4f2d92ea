/**
 * RFC 6455 framing (pure), binary messages only: what the wss transport carries the tunnel in.
 * A client masks every frame (§5.3, a fresh random key per frame), a server never does; each side
 * refuses the other's wrong masking, text and fragmented-control frames, and frames over
 * `WS_MAX_FRAME_PAYLOAD`. Pings are answered with pongs; a close frame ends the stream.
 */
import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import { WS_MAX_FRAME_PAYLOAD } from './constants.ts';
import { TransportError } from './errors.ts';
import type { FrameCodec } from './FramedStream.ts';

export const WsOpcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

function violation(reason: string): TransportError {
  return new TransportError(`WebSocket framing: ${reason}`, { code: 'TRANSPORT_FRAMING' });
}

const LITTLE_ENDIAN = endianness() === 'LE';

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
  const extended = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.allocUnsafe(2 + extended + (masked ? 4 : 0));
  header[0] = 0x80 | opcode;
  header[1] = (masked ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(length, 2);
  else if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!masked) return [header, ...parts.filter((p) => p.length > 0)];
  const mask = randomBytes(4).readUInt32BE(0);
  header.writeUInt32BE(mask, 2 + extended);
  // The one copy a client makes: the caller's buffers are not ours to mask.
  const body = parts.length === 1 ? Buffer.from(parts[0] as Buffer) : Buffer.concat(parts, length);
  applyMask(body, mask);
  return [header, body];
}

/** The codec of one side: `client` masks what it sends and expects unmasked frames. */
export function createWsCodec(side: 'client' | 'server'): FrameCodec {
  const sendMasked = side === 'client';
  const expectMasked = side === 'server';
  // Received bytes not yet framed, in the pieces they came in (a 64 KiB frame arrives as several TLS reads).
  const pending: Buffer[] = [];
  let pendingLength = 0;
  let ended = false;
  let closeSent = false;
  const replies: Buffer[] = [];
  /** The first `n` pending bytes, copied (a frame header, at most 14 bytes). */
  const peek = (n: number): Buffer => {
    const first = pending[0] as Buffer;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(pending, Math.min(pendingLength, 64)).subarray(0, n);
  };
  /** Removes the first `n` pending bytes, returning them in their pieces (no copy). */
  const take = (n: number): Buffer[] => {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const piece = pending[0] as Buffer;
      if (piece.length <= left) {
        out.push(piece);
        pending.shift();
        left -= piece.length;
      } else {
        out.push(piece.subarray(0, left));
        pending[0] = piece.subarray(left);
        left = 0;
      }
    }
    pendingLength -= n;
    return out;
  };
  const codec: FrameCodec & { ended: boolean } = {
    get ended() {
      return ended;
    },
    encode(chunks) {
      return encodeWsFrame(WsOpcode.binary, chunks, sendMasked);
    },
    end() {
      if (closeSent) return undefined;
      closeSent = true;
      return Buffer.concat(encodeWsFrame(WsOpcode.close, [Buffer.from([0x03, 0xe8])], sendMasked));
    },
    takeReplies() {
      return replies.splice(0);
    },
    decode(chunk) {
      if (chunk.length > 0) {
        pending.push(chunk);
        pendingLength += chunk.length;
      }
      const out: Buffer[] = [];
      while (!ended && pendingLength >= 2) {
        const head = peek(Math.min(pendingLength, 14));
        const b0 = head[0] as number;
        const b1 = head[1] as number;
        const fin = (b0 & 0x80) !== 0;
        const opcode = b0 & 0x0f;
        if ((b0 & 0x70) !== 0) throw violation('reserved bits set');
        const masked = (b1 & 0x80) !== 0;
        if (masked !== expectMasked) throw violation(expectMasked ? 'unmasked client frame' : 'masked server frame');
        let length = b1 & 0x7f;
        let at = 2;
        if (length === 126) {
          if (head.length < 4) break;
          length = head.readUInt16BE(2);
          at = 4;
        } else if (length === 127) {
          if (head.length < 10) break;
          const long = head.readBigUInt64BE(2);
          if (long > BigInt(WS_MAX_FRAME_PAYLOAD)) throw violation('frame too large');
          length = Number(long);
          at = 10;
        }
        if (length > WS_MAX_FRAME_PAYLOAD) throw violation('frame too large');
        if (masked && head.length < at + 4) break;
        const mask = masked ? head.readUInt32BE(at) : 0;
        if (masked) at += 4;
        if (pendingLength < at + length) break;
        take(at);
        // Unmasked in place: the socket's chunks belong to nobody else.
        const payload = take(length);
        if (masked) {
          let phase = 0;
          for (const piece of payload) {
            applyMask(piece, mask, phase);
            phase = (phase + piece.length) & 3;
          }
        }
        if (opcode === WsOpcode.binary || opcode === WsOpcode.continuation) {
          out.push(...payload);
        } else if (opcode === WsOpcode.ping) {
          if (!fin || length > 125) throw violation('bad ping');
          replies.push(...encodeWsFrame(WsOpcode.pong, payload, sendMasked));
        } else if (opcode === WsOpcode.pong) {
          if (!fin || length > 125) throw violation('bad pong');
        } else if (opcode === WsOpcode.close) {
          ended = true;
          const reply = codec.end?.();
          if (reply) replies.push(reply);
        } else throw violation(`opcode ${opcode} not carried`);
      }
      return out;
    },
  };
  return codec;
}
