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

/** XORs `data` in place with the 4-byte `mask`, 32 bits at a time on the aligned middle. */
export function applyMask(data: Buffer, mask: Buffer): void {
  const length = data.length;
  let i = 0;
  if (LITTLE_ENDIAN && length >= 16) {
    const lead = (4 - (data.byteOffset & 3)) & 3;
    for (; i < lead; i++) data[i] = (data[i] as number) ^ (mask[i & 3] as number);
    const words = (length - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    const m =
      ((mask[i & 3] as number) |
        ((mask[(i + 1) & 3] as number) << 8) |
        ((mask[(i + 2) & 3] as number) << 16) |
        ((mask[(i + 3) & 3] as number) << 24)) >>>
      0;
    for (let w = 0; w < words; w++) view[w] = (view[w] as number) ^ m;
    i += words * 4;
  }
  for (; i < length; i++) data[i] = (data[i] as number) ^ (mask[i & 3] as number);
}

/** One frame's header (and, masked, its copied payload). */
export function encodeWsFrame(opcode: number, payload: Buffer, masked: boolean): Buffer[] {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const header = Buffer.allocUnsafe(2 + extended + (masked ? 4 : 0));
  header[0] = 0x80 | opcode;
  header[1] = (masked ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  if (extended === 2) header.writeUInt16BE(length, 2);
  else if (extended === 8) header.writeBigUInt64BE(BigInt(length), 2);
  if (!masked) return length > 0 ? [header, payload] : [header];
  const mask = randomBytes(4);
  mask.copy(header, 2 + extended);
  const body = Buffer.allocUnsafe(length);
  payload.copy(body);
  applyMask(body, mask);
  return [header, body];
}

/** The codec of one side: `client` masks what it sends and expects unmasked frames. */
export function createWsCodec(side: 'client' | 'server'): FrameCodec {
  const sendMasked = side === 'client';
  const expectMasked = side === 'server';
  let pending: Buffer = Buffer.alloc(0);
  let ended = false;
  let closeSent = false;
  const replies: Buffer[] = [];
  const codec: FrameCodec & { ended: boolean } = {
    get ended() {
      return ended;
    },
    encode(chunks) {
      const payload = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      return encodeWsFrame(WsOpcode.binary, payload, sendMasked);
    },
    end() {
      if (closeSent) return undefined;
      closeSent = true;
      return Buffer.concat(encodeWsFrame(WsOpcode.close, Buffer.from([0x03, 0xe8]), sendMasked));
    },
    takeReplies() {
      return replies.splice(0);
    },
    decode(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const out: Buffer[] = [];
      while (!ended && pending.length >= 2) {
        const b0 = pending[0] as number;
        const b1 = pending[1] as number;
        const fin = (b0 & 0x80) !== 0;
        const opcode = b0 & 0x0f;
        if ((b0 & 0x70) !== 0) throw violation('reserved bits set');
        const masked = (b1 & 0x80) !== 0;
        if (masked !== expectMasked) throw violation(expectMasked ? 'unmasked client frame' : 'masked server frame');
        let length = b1 & 0x7f;
        let at = 2;
        if (length === 126) {
          if (pending.length < 4) break;
          length = pending.readUInt16BE(2);
          at = 4;
        } else if (length === 127) {
          if (pending.length < 10) break;
          const long = pending.readBigUInt64BE(2);
          if (long > BigInt(WS_MAX_FRAME_PAYLOAD)) throw violation('frame too large');
          length = Number(long);
          at = 10;
        }
        if (length > WS_MAX_FRAME_PAYLOAD) throw violation('frame too large');
        const maskAt = at;
        if (masked) at += 4;
        if (pending.length < at + length) break;
        // Unmasked in place: the socket's chunks (and our concatenations) belong to nobody else.
        const payload = pending.subarray(at, at + length);
        if (masked) applyMask(payload, Buffer.from(pending.subarray(maskAt, maskAt + 4)));
        pending = pending.subarray(at + length);
        if (opcode === WsOpcode.binary || opcode === WsOpcode.continuation) {
          if (payload.length > 0) out.push(payload);
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
