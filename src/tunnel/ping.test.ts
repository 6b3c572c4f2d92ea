/**
 * PING / PONG over real tunnel sessions (listener, Noise channel, mux): round trips resolve to a
 * small RTT, concurrent pings each get their answer, a closed or closing session and a peer that
 * stopped reading resolve `undefined`, and malformed PING / PONG frames are protocol violations
 * that close the session (the documented handling in `MuxSession.#handleFrame`).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Network, startNetwork } from '../../test/support/tunnelHarness.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { FrameType } from './constants.ts';
import type { MuxSession } from './MuxSession.ts';
import { encodeFrameHeader } from './muxFrame.ts';

/** The provider-side session of a 1-hop network (the only session its listener holds). */
function providerSession(net: Network, hop = 0): MuxSession {
  const session = [...(net.providers[hop]?.sessions ?? [])][0];
  assert.ok(session, 'the provider holds a session');
  return session;
}

/** Resolves to what `promise` settles to, or to 'pending' if it has not within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  const controller = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, 'pending' as const, { signal: controller.signal })]);
  } finally {
    controller.abort();
  }
}

/** Sends a raw mux frame on `session`'s secure channel, as a misbehaving peer would. */
function sendRaw(session: MuxSession, type: number, streamId: number, payload: Buffer): void {
  session.channel.send([encodeFrameHeader(type as FrameType, streamId), payload]);
  session.channel.flush();
}

function assertRtt(rtt: number | undefined): asserts rtt is number {
  assert.equal(typeof rtt, 'number', `ping resolved ${rtt}`);
  assert.ok(Number.isFinite(rtt) && (rtt as number) >= 0, `rtt ${rtt}`);
  assert.ok((rtt as number) < 2_000, `rtt ${rtt} ms on loopback`);
}

describe('ping on a live session', () => {
  let net: Network;
  before(async () => {
    net = await startNetwork(1);
  });
  after(() => net.close());

  it('the client’s ping resolves to a small round trip in ms', async () => {
    const started = performance.now();
    const rtt = await net.client.exit.ping(5_000);
    const elapsed = performance.now() - started;
    assertRtt(rtt);
    assert.ok(rtt <= elapsed + 1, `rtt ${rtt} longer than the call took (${elapsed})`);
  });

  it('the provider can ping the client as well (either side answers)', async () => {
    assertRtt(await providerSession(net).ping(5_000));
  });

  it('many concurrent pings all resolve, each to its own round trip', async () => {
    const rtts = await Promise.all(Array.from({ length: 50 }, () => net.client.exit.ping(5_000)));
    for (const rtt of rtts) assertRtt(rtt);
    // Both directions at once.
    const both = await Promise.all([
      ...Array.from({ length: 10 }, () => net.client.exit.ping(5_000)),
      ...Array.from({ length: 10 }, () => providerSession(net).ping(5_000)),
    ]);
    for (const rtt of both) assertRtt(rtt);
  });

  it('PING / PONG pass a closed gate (a paused client still answers liveness)', async () => {
    const provider = providerSession(net);
    provider.gate.close();
    try {
      assertRtt(await net.client.exit.ping(5_000));
      assertRtt(await provider.ping(5_000));
    } finally {
      provider.gate.open();
    }
  });

  it('an unsolicited PONG (8 bytes, unknown id) is ignored: the session stays up', async () => {
    const provider = providerSession(net);
    const payload = Buffer.alloc(8);
    payload.writeBigUInt64BE(0xdead_beefn);
    sendRaw(provider, FrameType.pong, 0, payload);
    assertRtt(await net.client.exit.ping(5_000));
    assert.equal(net.client.exit.closed, false);
    assert.equal(provider.closed, false);
  });

  it('a PONG arriving after its ping timed out is ignored', async () => {
    const provider = providerSession(net);
    provider.channel.pause(); // the provider stops reading: the PING waits in the socket
    const late = await net.client.exit.ping(100);
    assert.equal(late, undefined);
    provider.channel.resume(); // the PING is read now and its PONG comes back to nobody
    assertRtt(await net.client.exit.ping(5_000));
    assert.equal(net.client.exit.closed, false);
  });
});

describe('ping on a 3-hop path', () => {
  it('the exit’s ping crosses every hop; each hop answers its own', async () => {
    const net = await startNetwork(3);
    try {
      for (const session of net.client.hops) assertRtt(await session.ping(5_000));
    } finally {
      await net.close();
    }
  });

  it('a hop that stops forwarding makes the exit’s ping time out while hop 1 still answers', async () => {
    const net = await startNetwork(3);
    try {
      // Hop 2 stops reading what hop 1 relays to it: nothing reaches hops 2 and 3.
      providerSession(net, 1).channel.pause();
      assert.equal(await net.client.exit.ping(200), undefined);
      assertRtt(await net.client.hops[0]?.ping(5_000));
    } finally {
      await net.close();
    }
  });
});

describe('ping when the session ends or stalls', { timeout: 20_000 }, () => {
  it('after the session closed: undefined at once', async () => {
    const net = await startNetwork(1);
    net.client.close();
    assert.ok(net.client.exit.closed);
    const started = performance.now();
    assert.equal(await within(net.client.exit.ping(10_000), 1_000), undefined);
    assert.ok(performance.now() - started < 1_000);
    await net.close();
  });

  it('pending while the client closes the session: undefined, long before its timeout', async () => {
    const net = await startNetwork(1);
    providerSession(net).channel.pause(); // no PONG will come
    const pending = net.client.exit.ping(10_000);
    await sleep(50);
    assert.equal(await within(pending, 0), 'pending');
    net.client.close();
    assert.equal(await within(pending, 1_000), undefined);
    await net.close();
  });

  it('pending while the provider drops the session: undefined, long before its timeout', async () => {
    const net = await startNetwork(1);
    const provider = providerSession(net);
    provider.channel.pause();
    const pending = net.client.exit.ping(10_000);
    const providerPending = provider.ping(10_000); // its own ping dies with it
    await sleep(50);
    provider.close();
    assert.equal(await within(providerPending, 1_000), undefined);
    assert.equal(await within(pending, 5_000), undefined);
    assert.ok(net.client.exit.closed);
    await net.close();
  });

  it('the provider stops reading: the ping times out to undefined, after its timeout', async () => {
    const net = await startNetwork(1);
    try {
      const provider = net.providers[0];
      assert.ok(provider);
      for (const socket of provider.sockets) socket.pause(); // the server side of the tunnel socket
      const started = performance.now();
      const rtt = await net.client.exit.ping(300);
      const elapsed = performance.now() - started;
      assert.equal(rtt, undefined);
      assert.ok(elapsed >= 290, `gave up after ${elapsed.toFixed(0)} ms, before its 300 ms timeout`);
      assert.ok(elapsed < 5_000, `gave up after ${elapsed.toFixed(0)} ms`);
      assert.equal(net.client.exit.closed, false, 'a timed-out ping does not close the session');
      for (const socket of provider.sockets) socket.resume();
      assertRtt(await net.client.exit.ping(5_000));
    } finally {
      await net.close();
    }
  });

  it('a ping after a timed-out one is answered normally (ids are not reused)', async () => {
    const net = await startNetwork(1);
    try {
      const provider = providerSession(net);
      provider.channel.pause();
      const timedOut = await Promise.all([net.client.exit.ping(100), net.client.exit.ping(100)]);
      assert.deepEqual(timedOut, [undefined, undefined]);
      provider.channel.resume();
      const rtts = await Promise.all([net.client.exit.ping(5_000), net.client.exit.ping(5_000)]);
      for (const rtt of rtts) assertRtt(rtt);
    } finally {
      await net.close();
    }
  });
});

describe('malformed PING / PONG frames close the session (TUNNEL_MUX_PROTOCOL)', { timeout: 20_000 }, () => {
  const cases: { name: string; type: FrameType; streamId: number; payload: Buffer }[] = [
    { name: 'PING with a 7-byte payload', type: FrameType.ping, streamId: 0, payload: Buffer.alloc(7) },
    { name: 'PING with a 9-byte payload', type: FrameType.ping, streamId: 0, payload: Buffer.alloc(9) },
    { name: 'PING with an empty payload', type: FrameType.ping, streamId: 0, payload: Buffer.alloc(0) },
    { name: 'PING on stream 1', type: FrameType.ping, streamId: 1, payload: Buffer.alloc(8) },
    { name: 'PONG with a 4-byte payload', type: FrameType.pong, streamId: 0, payload: Buffer.alloc(4) },
    { name: 'PONG on stream 3', type: FrameType.pong, streamId: 3, payload: Buffer.alloc(8) },
  ];
  for (const { name, type, streamId, payload } of cases) {
    it(`${name}: the receiving provider closes with a protocol error, the client sees the close`, async () => {
      const net = await startNetwork(1);
      try {
        const provider = providerSession(net);
        const providerClosed = once(provider, 'close') as Promise<[Error | undefined]>;
        const clientClosed = once(net.client.exit, 'close');
        sendRaw(net.client.exit, type, streamId, payload);
        // Behind the bad frame: the provider closes before reading it, the teardown resolves it.
        const pending = net.client.exit.ping(10_000);
        const [error] = await providerClosed;
        assert.ok(hasErrorCode(error, 'TUNNEL_MUX_PROTOCOL'), `closed with ${error}`);
        assert.match(String(error?.message), /PING\/PONG/);
        await clientClosed;
        assert.ok(net.client.exit.closed);
        assert.equal(await within(pending, 1_000), undefined);
        assert.equal(net.providers[0]?.sessions.size, 0);
      } finally {
        await net.close();
      }
    });
  }

  it('a malformed PONG from the provider closes the client’s session the same way', async () => {
    const net = await startNetwork(1);
    try {
      const clientClosed = once(net.client.exit, 'close') as Promise<[Error | undefined]>;
      sendRaw(providerSession(net), FrameType.pong, 0, Buffer.alloc(12));
      const [error] = await clientClosed;
      assert.ok(hasErrorCode(error, 'TUNNEL_MUX_PROTOCOL'), `closed with ${error}`);
      assert.equal(await net.client.exit.ping(5_000), undefined);
    } finally {
      await net.close();
    }
  });
});
