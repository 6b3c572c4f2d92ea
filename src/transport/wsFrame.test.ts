/** RFC 6455 framing, pure: round trips under any chunking (masked one way), and the violations refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WS_MAX_FRAME_PAYLOAD } from './constants.ts';
import { applyMask, createWsCodec, encodeWsFrame, WsOpcode } from './wsFrame.ts';

function feed(decode: (b: Buffer) => Buffer[], wire: Buffer, step: number): Buffer {
  const out: Buffer[] = [];
  for (let at = 0; at < wire.length; at += step) out.push(...decode(Buffer.from(wire.subarray(at, at + step))));
  return Buffer.concat(out);
}

describe('WebSocket framing', () => {
  it('round-trips client → server (masked) and server → client under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 70_000 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 20_000 }),
        (messages, step) => {
          const client = createWsCodec('client');
          const server = createWsCodec('server');
          const parts = messages.map((m) => Buffer.from(m));
          const up = Buffer.concat(parts.flatMap((p) => client.encode([p])));
          assert.ok(feed(server.decode, up, step).equals(Buffer.concat(parts)));
          const down = Buffer.concat(server.encode(parts));
          assert.ok(feed(client.decode, down, step).equals(Buffer.concat(parts)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('masks on every alignment the same as the byte-wise definition (RFC 6455 §5.3)', () => {
    const data = Buffer.from(Array.from({ length: 67 }, (_, i) => i * 7));
    for (let offset = 0; offset < 4; offset++) {
      for (let phase = 0; phase < 4; phase++) {
        const copy = Buffer.alloc(data.length + offset);
        data.copy(copy, offset);
        const view = copy.subarray(offset);
        applyMask(view, 0xa1b2c3d4, phase);
        const key = [0xa1, 0xb2, 0xc3, 0xd4];
        for (const [i, b] of view.entries()) assert.equal(b, (data[i] as number) ^ (key[(phase + i) & 3] as number));
      }
    }
  });

  it('refuses unmasked client frames, masked server frames, text, reserved bits and oversize frames', () => {
    const server = () => createWsCodec('server');
    assert.throws(() => server().decode(Buffer.concat(encodeWsFrame(WsOpcode.binary, [Buffer.alloc(3)], false))), {
      code: 'TRANSPORT_FRAMING',
    });
    assert.throws(
      () => createWsCodec('client').decode(Buffer.concat(encodeWsFrame(WsOpcode.binary, [Buffer.alloc(3)], true))),
      { code: 'TRANSPORT_FRAMING' },
    );
    assert.throws(() => server().decode(Buffer.concat(encodeWsFrame(WsOpcode.text, [Buffer.from('hi')], true))), {
      code: 'TRANSPORT_FRAMING',
    });
    const reserved = Buffer.concat(encodeWsFrame(WsOpcode.binary, [Buffer.alloc(3)], true));
    reserved[0] = (reserved[0] as number) | 0x40;
    assert.throws(() => server().decode(reserved), { code: 'TRANSPORT_FRAMING' });
    const huge = Buffer.alloc(10);
    huge[0] = 0x82;
    huge[1] = 0xff;
    huge.writeBigUInt64BE(BigInt(WS_MAX_FRAME_PAYLOAD + 1), 2);
    assert.throws(() => server().decode(huge), { code: 'TRANSPORT_FRAMING' });
  });

  it('answers a ping with a pong and ends on a close frame (answering it)', () => {
    const server = createWsCodec('server');
    const client = createWsCodec('client');
    server.decode(Buffer.concat(encodeWsFrame(WsOpcode.ping, [Buffer.from('x')], true)));
    const [pongHeader, pongBody] = server.takeReplies?.() ?? [];
    assert.equal((pongHeader as Buffer)[0], 0x80 | WsOpcode.pong);
    assert.equal(String(pongBody), 'x');
    const out = server.decode(
      Buffer.concat([Buffer.concat(encodeWsFrame(WsOpcode.close, [], true)), ...client.encode([Buffer.from('late')])]),
    );
    assert.equal(server.ended, true);
    assert.deepEqual(out, []);
    assert.equal(server.takeReplies?.().length, 1);
  });
});
