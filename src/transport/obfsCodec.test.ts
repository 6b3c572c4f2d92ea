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

/** The tunnel's framing (what obfs carries): a handshake message behind a u16 length, then records behind a u24. */
function tunnelStream(units: readonly Uint8Array[]): Buffer[] {
  return units.flatMap((body, i) => {
    const header = Buffer.alloc(i === 0 ? 2 : 3);
    if (i === 0) header.writeUInt16BE(body.length);
    else header.writeUIntBE(body.length, 0, 3);
    return [header, Buffer.from(body)];
  });
}

/** Splits `buffers` into writes at arbitrary points (a writev batch may end inside a unit). */
function batches(buffers: Buffer[], cuts: number[]): Buffer[][] {
  const all = Buffer.concat(buffers);
  const points = [...new Set(cuts.map((c) => Math.floor(c * all.length)))].sort((a, b) => a - b);
  const out: Buffer[][] = [];
  let at = 0;
  for (const p of [...points, all.length]) {
    if (p > at) out.push([all.subarray(at, p)]);
    at = Math.max(at, p);
  }
  return out;
}

describe('obfs framing', () => {
  it('round-trips the tunnel stream both ways under any batching and chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 70_000 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 }),
        (units, cuts, writes) => {
          const psk = randomBytes(32);
          const client = createObfsClientCodec(psk);
          const stream = tunnelStream(units);
          // The handshake message is written alone (as `SecureChannel` does), the rest in arbitrary batches.
          const [first, ...rest] = batches(stream.slice(2), writes);
          const up = Buffer.concat([
            ...client.encode(stream.slice(0, 2)),
            ...(first ? client.encode(first) : []),
            ...rest.flatMap((b) => client.encode(b)),
          ]);
          const hello = openObfsClientHello(psk, up);
          assert.ok(hello);
          const server = createObfsServerCodec(psk, hello);
          const received = feed(server.decode, up.subarray(OBFS_CLIENT_HELLO_LEN), cuts);
          assert.ok(received.equals(Buffer.concat(stream)));
          const reply = tunnelStream([Buffer.from('answer'), Buffer.alloc(3, 1), Buffer.alloc(5000, 2)]);
          const down = Buffer.concat(server.encode(reply));
          assert.ok(feed(client.decode, down, cuts).equals(Buffer.concat(reply)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('after the first record, bodies go through as they are and no length field is in clear', () => {
    const psk = randomBytes(32);
    const client = createObfsClientCodec(psk);
    client.encode(tunnelStream([Buffer.alloc(98)]));
    const body = randomBytes(65_552);
    const records = Array.from({ length: 8 }, () => body);
    const stream = tunnelStream([Buffer.alloc(0), ...records]).slice(2);
    const wire = Buffer.concat(client.encode(stream));
    // One masked u24 per record and nothing else: no second encryption of the bulk.
    assert.equal(wire.length, 8 * (3 + body.length));
    for (let i = 0; i < 8; i++) {
      const at = i * (3 + body.length);
      assert.ok(wire.subarray(at + 3, at + 3 + body.length).equals(body), `record ${i} carried verbatim`);
      assert.notEqual(wire.readUIntBE(at, 3), body.length, `record ${i}: its length is masked`);
    }
  });

  it('small units are followed by padding of random size, which the receiver drops', () => {
    const psk = randomBytes(32);
    const client = createObfsClientCodec(psk);
    const up = [Buffer.concat(client.encode(tunnelStream([Buffer.alloc(98)])))];
    const sizes = new Set<number>();
    const units = tunnelStream([Buffer.alloc(0), ...Array.from({ length: 40 }, () => Buffer.alloc(40, 9))]).slice(2);
    for (let i = 0; i < units.length; i += 2) {
      const wire = Buffer.concat(client.encode(units.slice(i, i + 2)));
      sizes.add(wire.length);
      up.push(wire);
    }
    assert.ok(sizes.size > 20, `only ${sizes.size} sizes for 40 equal units`);
    const all = Buffer.concat(up);
    const hello = openObfsClientHello(psk, all);
    assert.ok(hello);
    const received = createObfsServerCodec(psk, hello).decode(all.subarray(OBFS_CLIENT_HELLO_LEN));
    assert.ok(Buffer.concat(received).equals(Buffer.concat([...tunnelStream([Buffer.alloc(98)]), ...units])));
  });

  it('has no fixed-size first packet: the first record is padded by a random amount', () => {
    const sizes = new Set<number>();
    for (let i = 0; i < 50; i++)
      sizes.add(Buffer.concat(createObfsClientCodec(randomBytes(32)).encode(tunnelStream([Buffer.alloc(96)]))).length);
    assert.ok(sizes.size > 25, `only ${sizes.size} first-packet sizes`);
    const largest = OBFS_SALT_LEN + 29 + 98 + OBFS_FIRST_PADDING + 16;
    for (const s of sizes) assert.ok(s <= largest);
  });

  it('a hello under another key, or with any bit flipped, does not open', () => {
    const psk = randomBytes(32);
    const up = Buffer.concat(createObfsClientCodec(psk).encode(tunnelStream([Buffer.alloc(96)])));
    assert.equal(openObfsClientHello(randomBytes(32), up), undefined);
    for (let bit = 0; bit < OBFS_CLIENT_HELLO_LEN * 8; bit += 7) {
      const flipped = Buffer.from(up);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      assert.equal(openObfsClientHello(psk, flipped), undefined, `bit ${bit}`);
    }
    assert.equal(openObfsClientHello(psk, up.subarray(0, OBFS_CLIENT_HELLO_LEN - 1)), undefined);
  });

  it('a corrupted first record fails with TRANSPORT_FRAMING; a changed length later never yields the stream', () => {
    const psk = randomBytes(32);
    const client = createObfsClientCodec(psk);
    const first = Buffer.concat(client.encode(tunnelStream([Buffer.alloc(96)])));
    const later = Buffer.concat(client.encode(tunnelStream([Buffer.alloc(0), Buffer.alloc(2000, 7)]).slice(2)));
    const hello = openObfsClientHello(psk, first);
    assert.ok(hello);
    const body = Buffer.from(first.subarray(OBFS_CLIENT_HELLO_LEN));
    body[body.length - 5] = (body[body.length - 5] as number) ^ 0x40;
    assert.throws(() => createObfsServerCodec(psk, hello).decode(body), { code: 'TRANSPORT_FRAMING' });
    // A flipped bit in a masked length: refused here (too large), or a unit of another length that the
    // tunnel's AEAD, which covers the length, rejects. Either way not the stream that was sent.
    const sent = Buffer.concat([...tunnelStream([Buffer.alloc(96)]), Buffer.from([0, 7, 208]), Buffer.alloc(2000, 7)]);
    for (const bit of [0, 5, 13, 23]) {
      const flipped = Buffer.from(later);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      const server = createObfsServerCodec(psk, hello);
      try {
        const got = Buffer.concat([...server.decode(first.subarray(OBFS_CLIENT_HELLO_LEN)), ...server.decode(flipped)]);
        assert.ok(!got.equals(sent), `bit ${bit}`);
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'TRANSPORT_FRAMING');
      }
    }
  });
});
