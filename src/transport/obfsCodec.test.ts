/** The obfs framing, pure: round trips under any chunking, padding, and what a wrong key or a flipped bit does. */
import assert from 'node:assert/strict';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  OBFS_FIRST_PADDING,
  OBFS_MAX_FIRST_PAYLOAD,
  OBFS_MAX_PADDING,
  OBFS_PADDING_FLAG,
  OBFS_SALT_LEN,
} from './constants.ts';
import {
  createObfsClientFraming,
  createObfsServerFraming,
  OBFS_CLIENT_HELLO_LEN,
  obfsKey,
  openObfsClientHello,
} from './obfsCodec.ts';
import type { WireFraming } from './WireFraming.ts';

/**
 * Feeds `wire` to `framing.unframe` in chunks cut at `cuts` (fractions), as `SecureChannel` does with a socket's
 * chunks (wire bytes it could not use yet go before the next chunk); returns the tunnel bytes and what is left.
 */
function feed(framing: WireFraming, wire: Buffer, cuts: number[] = []): Buffer {
  const points = [...new Set(cuts.map((c) => Math.floor(c * wire.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let carry = Buffer.alloc(0);
  let at = 0;
  for (const p of [...points, wire.length]) {
    if (p <= at) continue;
    const chunk = Buffer.concat([carry, wire.subarray(at, p)]);
    const { produced, consumed } = framing.unframe(chunk, 0, chunk.length);
    out.push(chunk.subarray(0, produced));
    carry = chunk.subarray(consumed);
    at = p;
  }
  assert.equal(carry.length, 0, 'wire bytes left over');
  return Buffer.concat(out);
}

/** The tunnel's units (what obfs carries): a handshake message behind a u16 length, then records behind a u24. */
function tunnelUnits(bodies: readonly Uint8Array[]): Buffer[][] {
  return bodies.map((body, i) => {
    const header = Buffer.alloc(i === 0 ? 2 : 3);
    if (i === 0) header.writeUInt16BE(body.length);
    else header.writeUIntBE(body.length, 0, 3);
    return [header, Buffer.from(body)];
  });
}

/** The wire bytes of `units`, framed one by one (as `SecureChannel` sends them). */
function frameAll(framing: WireFraming, units: Buffer[][]): Buffer {
  return Buffer.concat(units.flatMap((unit) => framing.frame(unit)));
}

describe('obfs framing', () => {
  it('round-trips the tunnel stream both ways under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: 70_000 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        (bodies, cuts) => {
          const psk = randomBytes(32);
          const client = createObfsClientFraming(psk);
          const units = tunnelUnits([(bodies[0] as Uint8Array).subarray(0, 1000), ...bodies.slice(1)]);
          const up = frameAll(client, units);
          const hello = openObfsClientHello(psk, up);
          assert.ok(hello);
          const server = createObfsServerFraming(psk, hello);
          const received = feed(server, up.subarray(OBFS_CLIENT_HELLO_LEN), cuts);
          assert.ok(received.equals(Buffer.concat(units.flat())));
          const reply = tunnelUnits([Buffer.from('answer'), Buffer.alloc(3, 1), Buffer.alloc(5000, 2), ...bodies]);
          const down = frameAll(server, reply);
          assert.ok(feed(client, down, cuts).equals(Buffer.concat(reply.flat())));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('after the first record, bodies go through as they are and no length field is in clear', () => {
    const psk = randomBytes(32);
    const client = createObfsClientFraming(psk);
    client.frame(tunnelUnits([Buffer.alloc(98)])[0] as Buffer[]);
    const body = randomBytes(65_552);
    const records = tunnelUnits([Buffer.alloc(0), ...Array.from({ length: 8 }, () => body)]).slice(1);
    const wire = frameAll(client, records);
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
    const client = createObfsClientFraming(psk);
    const units = tunnelUnits([Buffer.alloc(98), ...Array.from({ length: 40 }, () => Buffer.alloc(40, 9))]);
    const up = [frameAll(client, units.slice(0, 1))];
    const sizes = new Set<number>();
    for (const unit of units.slice(1)) {
      const wire = Buffer.concat(client.frame(unit));
      sizes.add(wire.length);
      up.push(wire);
    }
    assert.ok(sizes.size > 20, `only ${sizes.size} sizes for 40 equal units`);
    const all = Buffer.concat(up);
    const hello = openObfsClientHello(psk, all);
    assert.ok(hello);
    const received = feed(createObfsServerFraming(psk, hello), all.subarray(OBFS_CLIENT_HELLO_LEN));
    assert.ok(received.equals(Buffer.concat(units.flat())));
  });

  it('has no fixed-size first packet: the first record is padded by a random amount', () => {
    const sizes = new Set<number>();
    for (let i = 0; i < 50; i++)
      sizes.add(frameAll(createObfsClientFraming(randomBytes(32)), tunnelUnits([Buffer.alloc(96)])).length);
    assert.ok(sizes.size > 25, `only ${sizes.size} first-packet sizes`);
    const largest = OBFS_SALT_LEN + 29 + 98 + OBFS_FIRST_PADDING + 16;
    for (const s of sizes) assert.ok(s <= largest);
  });

  it('a hello under another key, or with any bit flipped, does not open', () => {
    const psk = randomBytes(32);
    const up = frameAll(createObfsClientFraming(psk), tunnelUnits([Buffer.alloc(96)]));
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
    const client = createObfsClientFraming(psk);
    const first = frameAll(client, tunnelUnits([Buffer.alloc(96)]));
    const later = frameAll(client, tunnelUnits([Buffer.alloc(0), Buffer.alloc(2000, 7)]).slice(1));
    const hello = openObfsClientHello(psk, first);
    assert.ok(hello);
    const body = Buffer.from(first.subarray(OBFS_CLIENT_HELLO_LEN));
    body[body.length - 5] = (body[body.length - 5] as number) ^ 0x40;
    assert.throws(() => feed(createObfsServerFraming(psk, hello), body), { code: 'TRANSPORT_FRAMING' });
    // A flipped bit in a masked length: refused here (too large), or a unit of another length that the
    // tunnel's AEAD, which covers the length, rejects. Either way not the stream that was sent.
    const sent = Buffer.concat([
      ...tunnelUnits([Buffer.alloc(96)]).flat(),
      Buffer.from([0, 7, 208]),
      Buffer.alloc(2000, 7),
    ]);
    for (const bit of [0, 5, 13, 23]) {
      const flipped = Buffer.from(later);
      flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
      const server = createObfsServerFraming(psk, hello);
      try {
        const opened = feed(server, first.subarray(OBFS_CLIENT_HELLO_LEN));
        const { produced } = server.unframe(flipped, 0, flipped.length);
        assert.ok(!Buffer.concat([opened, flipped.subarray(0, produced)]).equals(sent), `bit ${bit}`);
      } catch (error) {
        assert.equal((error as { code?: string }).code, 'TRANSPORT_FRAMING');
      }
    }
  });

  it('refuses an oversized first record, an oversized masked length and oversized padding', () => {
    const psk = randomBytes(32);
    // The sender refuses an opening unit over the limit; a hello announcing one does not open.
    assert.throws(() => createObfsClientFraming(psk).frame([Buffer.alloc(OBFS_MAX_FIRST_PAYLOAD + 1)]), {
      code: 'TRANSPORT_FRAMING',
    });
    const client = createObfsClientFraming(psk);
    const first = frameAll(client, tunnelUnits([Buffer.alloc(96)]));
    const hello = openObfsClientHello(psk, first);
    assert.ok(hello);
    // A record length over the largest record (the masked u24 is the peer's to choose).
    const server = createObfsServerFraming(psk, hello);
    feed(server, first.subarray(OBFS_CLIENT_HELLO_LEN));
    const huge = Buffer.alloc(3);
    huge.writeUIntBE(0x7f_ff_ff, 0, 3);
    const wire = Buffer.concat(client.frame([huge, Buffer.alloc(10)]));
    assert.throws(() => server.unframe(wire, 0, wire.length), { code: 'TRANSPORT_FRAMING' });
    // A padding unit over the padding limit (no sender makes one: masked here with the direction's keystream).
    const padded = createObfsServerFraming(psk, hello);
    feed(padded, first.subarray(OBFS_CLIENT_HELLO_LEN));
    const key = obfsKey(psk, first.subarray(0, OBFS_SALT_LEN), 'c2s');
    const maskKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'bandex obfs v2 mask', 32));
    const keystream = createCipheriv('aes-256-ctr', maskKey, Buffer.alloc(16)).update(Buffer.alloc(3));
    const header = Buffer.alloc(3);
    header.writeUIntBE(OBFS_PADDING_FLAG | (OBFS_MAX_PADDING + 1), 0, 3);
    for (let i = 0; i < 3; i++) header[i] = (header[i] as number) ^ (keystream[i] as number);
    assert.throws(() => padded.unframe(header, 0, 3), { code: 'TRANSPORT_FRAMING', message: /padding too large/ });
  });
});
