/** The obfs framing, pure: round trips under any chunking, padding, and what a wrong key or a flipped bit does. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OBFS_FIRST_PADDING, OBFS_SALT_LEN } from './constants.ts';
import {
  createObfsClientCodec,
  createObfsServerCodec,
  OBFS_CLIENT_HELLO_LEN,
  openObfsClientHello,
} from './obfsCodec.ts';

/** Feeds `wire` to `decode` in pieces cut at `cuts` (fractions), returning what came out. */
function feed(decode: (b: Buffer) => Buffer[], wire: Buffer, cuts: number[]): Buffer {
  const points = [...new Set(cuts.map((c) => Math.floor(c * wire.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of [...points, wire.length]) {
    if (p > at) out.push(...decode(wire.subarray(at, p)));
    at = Math.max(at, p);
  }
  return Buffer.concat(out);
}

describe('obfs framing', () => {
  it('round-trips both directions under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 70_000 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        (messages, cuts) => {
          const psk = randomBytes(32);
          const client = createObfsClientCodec(psk);
          const up = Buffer.concat(client.encode(messages.map((m) => Buffer.from(m))));
          const hello = openObfsClientHello(psk, up);
          assert.ok(hello);
          const server = createObfsServerCodec(psk, hello);
          const received = feed(server.decode, up.subarray(OBFS_CLIENT_HELLO_LEN), cuts);
          assert.ok(received.equals(Buffer.concat(messages)));
          const down = Buffer.concat(server.encode([Buffer.from('pong'), Buffer.alloc(3, 1)]));
          assert.ok(feed(client.decode, down, cuts).equals(Buffer.concat([Buffer.from('pong'), Buffer.alloc(3, 1)])));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('has no fixed-size first packet: the first record is padded by a random amount', () => {
    const sizes = new Set<number>();
    for (let i = 0; i < 50; i++)
      sizes.add(Buffer.concat(createObfsClientCodec(randomBytes(32)).encode([Buffer.alloc(98)])).length);
    assert.ok(sizes.size > 25, `only ${sizes.size} first-packet sizes`);
    const largest = OBFS_SALT_LEN + 29 + 98 + OBFS_FIRST_PADDING + 16;
    for (const s of sizes) assert.ok(s <= largest);
  });

  it('a hello under another key, or with any bit flipped, does not open', () => {
    const psk = randomBytes(32);
    const up = Buffer.concat(createObfsClientCodec(psk).encode([Buffer.alloc(98)]));
    assert.equal(openObfsClientHello(randomBytes(32), up), undefined);
    for (let bit = 0; bit < OBFS_CLIENT_HELLO_LEN * 8; bit += 7) {
      const flipped = Buffer.from(up);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.equal(openObfsClientHello(psk, flipped), undefined, `bit ${bit}`);
    }
    assert.equal(openObfsClientHello(psk, up.subarray(0, OBFS_CLIENT_HELLO_LEN - 1)), undefined);
  });

  it('a corrupted record after the hello fails with TRANSPORT_FRAMING', () => {
    const psk = randomBytes(32);
    const client = createObfsClientCodec(psk);
    const up = Buffer.concat([...client.encode([Buffer.alloc(98)]), ...client.encode([Buffer.alloc(2000, 7)])]);
    const hello = openObfsClientHello(psk, up);
    assert.ok(hello);
    const rest = Buffer.from(up.subarray(OBFS_CLIENT_HELLO_LEN));
    rest[rest.length - 5] = (rest[rest.length - 5] as number) ^ 0x40;
    assert.throws(() => createObfsServerCodec(psk, hello).decode(rest), { code: 'TRANSPORT_FRAMING' });
  });
});
