/** RFC 6455 framing, pure: round trips under any chunking (masked one way), and the violations refused. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WS_MAX_FRAME_PAYLOAD } from './constants.ts';
import type { WireFraming } from './WireFraming.ts';
import { applyMask, createWsFraming, encodeWsFrame, WsOpcode } from './wsFrame.ts';

/**
 * Feeds `wire` to `framing.unframe` in chunks of `step` bytes, as `SecureChannel` does with a socket's chunks
 * (wire bytes it could not use yet go before the next chunk); returns the tunnel bytes.
 */
function feed(framing: WireFraming, wire: Buffer, step = wire.length): Buffer {
  const out: Buffer[] = [];
  let carry = Buffer.alloc(0);
  for (let at = 0; at < wire.length; at += step) {
    const chunk = Buffer.concat([carry, wire.subarray(at, at + step)]);
    const { produced, consumed } = framing.unframe(chunk, 0, chunk.length);
    out.push(chunk.subarray(0, produced));
    carry = chunk.subarray(consumed);
  }
  assert.equal(carry.length, 0, 'wire bytes left over');
  return Buffer.concat(out);
}

/** A unit's buffers, fresh (a client's framing masks them in place, as the channel allows). */
const own = (parts: readonly Buffer[]) => parts.map((p) => Buffer.from(p));

describe('WebSocket framing', () => {
  it('round-trips client → server (masked) and server → client under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 70_000 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 20_000 }),
        (messages, step) => {
          const client = createWsFraming('client');
          const server = createWsFraming('server');
          const parts = messages.map((m) => Buffer.from(m));
          const up = Buffer.concat(parts.flatMap((p) => client.frame(own([p.subarray(0, 3), p.subarray(3)]))));
          assert.ok(feed(server, up, step).equals(Buffer.concat(parts)));
          // Frames of any size and split are read (not only one per unit): a proxy may reframe.
          const down = Buffer.concat([
            ...encodeWsFrame(WsOpcode.binary, parts, false),
            ...parts.flatMap((p) => server.frame(own([p]))),
          ]);
          assert.ok(feed(client, down, step).equals(Buffer.concat([...parts, ...parts])));
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
    const server = () => createWsFraming('server');
    const framing = { code: 'TRANSPORT_FRAMING' };
    assert.throws(
      () => feed(server(), Buffer.concat(encodeWsFrame(WsOpcode.binary, [Buffer.alloc(3)], false))),
      framing,
    );
    assert.throws(
      () => feed(createWsFraming('client'), Buffer.concat(encodeWsFrame(WsOpcode.binary, [Buffer.alloc(3)], true))),
      framing,
    );
    assert.throws(
      () => feed(server(), Buffer.concat(encodeWsFrame(WsOpcode.text, [Buffer.from('hi')], true))),
      framing,
    );
    const reserved = Buffer.concat(encodeWsFrame(WsOpcode.binary, [Buffer.alloc(3)], true));
    reserved[0] = (reserved[0] as number) | 0x40;
    assert.throws(() => feed(server(), reserved), framing);
    const huge = Buffer.alloc(14);
    huge[0] = 0x82;
    huge[1] = 0xff;
    huge.writeBigUInt64BE(BigInt(WS_MAX_FRAME_PAYLOAD + 1), 2);
    assert.throws(() => feed(server(), huge), framing);
    // Refused as soon as the header says so, before the payload arrives (nothing is buffered for it).
    huge.writeBigUInt64BE(2n ** 63n, 2);
    assert.throws(() => server().unframe(huge, 0, 10), framing);
    const bigPing = Buffer.concat(encodeWsFrame(WsOpcode.ping, [Buffer.alloc(200)], true));
    assert.throws(() => server().unframe(bigPing, 0, 8), framing);
    // A header cut short is not a violation: it waits for the rest (nothing used).
    const cut = Buffer.concat(encodeWsFrame(WsOpcode.binary, [Buffer.alloc(70_000)], true));
    assert.deepEqual(server().unframe(cut, 0, 9), { produced: 0, consumed: 0 });
  });

  it('answers a ping with a pong and ends on a close frame (answering it)', () => {
    const server = createWsFraming('server');
    const client = createWsFraming('client');
    // A ping between two halves of the tunnel's bytes: answered, and the halves joined.
    const wire = Buffer.concat([
      ...client.frame(own([Buffer.from('be')])),
      ...encodeWsFrame(WsOpcode.ping, [Buffer.from('x')], true),
      ...client.frame(own([Buffer.from('fore')])),
    ]);
    assert.equal(String(feed(server, wire, 5)), 'before');
    const [pongHeader, pongBody] = server.takeReplies?.() ?? [];
    assert.equal((pongHeader as Buffer)[0], 0x80 | WsOpcode.pong);
    assert.equal(String(pongBody), 'x');
    const out = feed(
      server,
      Buffer.concat([
        Buffer.concat(encodeWsFrame(WsOpcode.close, [], true)),
        ...client.frame(own([Buffer.from('late')])),
      ]),
    );
    assert.equal(server.ended, true);
    assert.equal(out.length, 0);
    assert.equal(server.takeReplies?.().length, 1);
  });
});
