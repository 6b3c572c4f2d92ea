/**
 * `SecureChannel` over the obfs transport's framing (`WireFraming`), on real sockets: the client reads in place
 * (its receive area), the provider reads the socket's chunks. A peer that breaks the
 * framing after the handshake — a malformed, oversized or truncated frame, a changed masked length — gets a typed
 * error and a closed channel, and nothing throws out; a peer that vanishes mid-record is a truncation; a reader
 * that stops reading stops the sender (back-pressure) in both directions, and nothing is lost.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { codeOf } from '../errors/codeOf.ts';
import { dialTransport, readsInPlace } from '../transport/dialTransport.ts';
import { listenTransport, type TransportServer } from '../transport/listenTransport.ts';
import type { TransportConnection } from '../transport/WireFraming.ts';
import { MAX_RECORD_PLAINTEXT, TAG_LEN } from './constants.ts';
import { createReceiveArea, SecureChannel } from './SecureChannel.ts';
import { generateStaticKeyPair } from './x25519.ts';

type Pair = {
  client: SecureChannel;
  provider: SecureChannel;
  /** The connections under them (their framing: to send what an honest channel never would). */
  clientSide: TransportConnection;
  providerSide: TransportConnection;
};

/** A record header announcing `length` bytes of ciphertext (the tunnel's u24). */
function recordHeader(length: number): Buffer {
  const header = Buffer.alloc(3);
  header.writeUIntBE(length, 0, 3);
  return header;
}

/** Waits for the channel's close; returns its error's code. */
async function closedWith(channel: SecureChannel): Promise<string | undefined> {
  if (channel.closed) throw new Error('closed before the test looked');
  const [error] = (await once(channel, 'close')) as [Error | undefined];
  return codeOf(error);
}

describe('SecureChannel over obfs framing', () => {
  const providerKeys = generateStaticKeyPair();
  let server: TransportServer;
  let accepted: ((connection: TransportConnection) => void) | undefined;
  const pairs: Pair[] = [];

  before(async () => {
    server = await listenTransport({ name: 'obfs', psk: randomBytes(32) }, (connection) => accepted?.(connection));
  });
  after(async () => {
    for (const p of pairs) {
      p.client.close();
      p.provider.close();
    }
    await server.close();
  });

  const pair = async (): Promise<Pair> => {
    const arrived = new Promise<TransportConnection>((resolve) => (accepted = resolve));
    const area = readsInPlace(server.spec) ? createReceiveArea() : undefined;
    const clientSide = await dialTransport(server.spec, { ...server.address, onread: area?.onread });
    const [client, [provider, providerSide]] = await Promise.all([
      SecureChannel.open({
        transport: clientSide.socket,
        framing: clientSide.framing,
        head: clientSide.head,
        receiveArea: area,
        localStatic: generateStaticKeyPair(),
        remoteStatic: providerKeys.publicKey,
      }),
      arrived.then(
        async (c) =>
          [
            await SecureChannel.open({
              transport: c.socket,
              framing: c.framing,
              head: c.head,
              localStatic: providerKeys,
            }),
            c,
          ] as const,
      ),
    ]);
    const made = { client, provider, clientSide, providerSide };
    pairs.push(made);
    return made;
  };

  it('carries records of every size both ways, in order', async () => {
    const { client, provider } = await pair();
    const sizes = [0, 1, 15, 1_000, 1_023, 1_024, 40_000, MAX_RECORD_PLAINTEXT];
    const records = sizes.map((n) => randomBytes(n));
    for (const [from, to] of [
      [client, provider],
      [provider, client],
    ] as const) {
      const got: Buffer[] = [];
      to.on('record', (r) => got.push(r));
      for (const r of records) from.send([r]);
      while (got.length < records.length) await once(to, 'record');
      to.removeAllListeners('record');
      assert.deepEqual(
        got.map((r) => r.toString('hex')),
        records.map((r) => r.toString('hex')),
      );
    }
  });

  it('a peer that ends mid-record (or mid-header): TUNNEL_TRUNCATED on either side', async () => {
    for (const cut of [2, 500]) {
      for (const direction of ['up', 'down'] as const) {
        const p = await pair();
        const [sender, receiver] =
          direction === 'up' ? [p.clientSide, p.provider] : ([p.providerSide, p.client] as const);
        const wire = Buffer.concat((sender.framing ?? assert.fail()).frame([recordHeader(1_016), randomBytes(1_016)]));
        // The channel above the framing has nothing to say about it: the socket is written directly.
        const closed = closedWith(receiver);
        sender.socket.write(wire.subarray(0, cut));
        sender.socket.end();
        assert.equal(await closed, 'TUNNEL_TRUNCATED', `${direction}, cut at ${cut}`);
      }
    }
  });

  it('a changed length: the tunnel AEAD refuses the record (TUNNEL_BAD_TAG), both ways', async () => {
    for (const direction of ['up', 'down'] as const) {
      const p = await pair();
      const [sender, receiver] =
        direction === 'up' ? [p.clientSide, p.provider] : ([p.providerSide, p.client] as const);
      const closed = closedWith(receiver);
      for (const piece of (sender.framing ?? assert.fail()).frame([
        recordHeader(TAG_LEN + 20),
        randomBytes(TAG_LEN + 20),
      ]))
        sender.socket.write(piece);
      assert.equal(await closed, 'TUNNEL_BAD_TAG', direction);
    }
  });

  it('malformed or oversized framing: TRANSPORT_FRAMING and a closed channel, both ways', async () => {
    const violations: Array<(side: TransportConnection) => Buffer[]> = [
      // A masked length over the largest record (the masked u24 is the peer's to choose).
      (side) => (side.framing ?? assert.fail()).frame([recordHeader(0x7f_ff_ff), randomBytes(100)]),
    ];
    for (const violation of violations) {
      for (const direction of ['up', 'down'] as const) {
        const p = await pair();
        const [sender, receiver] =
          direction === 'up' ? [p.clientSide, p.provider] : ([p.providerSide, p.client] as const);
        const closed = closedWith(receiver);
        for (const piece of violation(sender)) sender.socket.write(piece);
        assert.equal(await closed, 'TRANSPORT_FRAMING', `${direction}: ${violations.indexOf(violation)}`);
        // The peer's connection is closed too.
        if (!(sender.socket as Socket).destroyed) await once(sender.socket, 'close');
      }
    }
  });

  it('a reader that stops reading stops the sender, both ways; nothing is lost, nothing counted twice', async () => {
    const { client, provider } = await pair();
    for (const [from, to] of [
      [provider, client],
      [client, provider],
    ] as const) {
      const count = 400; // 26 MiB: more than the socket buffers of both ends hold.
      const got: number[] = [];
      to.on('record', (r) => got.push(r.readUInt32BE(0)));
      const [read, written] = [to.bytesRead, from.bytesWritten];
      to.pause();
      let refused = false;
      for (let i = 0; i < count; i++) {
        const record = Buffer.alloc(MAX_RECORD_PLAINTEXT);
        record.writeUInt32BE(i, 0);
        if (!from.send([record])) refused = true;
      }
      assert.ok(refused, 'send asked to wait');
      // The sender's bytes wait in its socket: the reader took nothing while paused.
      for (let i = 0; i < 20; i++) await tick();
      assert.equal(got.length, 0);
      assert.ok(!from.writable);
      const drained = once(from, 'drain');
      to.resume();
      await drained;
      while (got.length < count) await once(to, 'record');
      to.removeAllListeners('record');
      assert.deepEqual(
        got,
        Array.from({ length: count }, (_, i) => i),
      );
      // Every byte counted once, however the reads cut the records (the throttle detector reads this count).
      assert.equal(to.bytesRead - read, from.bytesWritten - written);
    }
  });
});
