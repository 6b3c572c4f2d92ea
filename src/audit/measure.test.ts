/**
 * The measurement primitives on loopback, with `open` = a plain TCP connection (no tunnel): canaries
 * against the audit target and against targets that swallow, alter or refuse; capacity against the
 * target and against a paced source of known rate. Nothing asserts how fast this machine is.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { downloadFromTarget } from './downloadFromTarget.ts';
import { measureCapacity, rate, sumShares, WindowCounter } from './measureCapacity.ts';
import { type OpenStream, sendCanary } from './sendCanary.ts';
import { type AuditTarget, MODE_BLAST, MODE_GET, startAuditTarget } from './startAuditTarget.ts';

/** `open` without a tunnel: a TCP connection, resolved once connected. */
const openTcp: OpenStream = (destination) =>
  new Promise<Duplex>((resolve, reject) => {
    const socket = connect(destination);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });

/** A server on 127.0.0.1 whose connections `onSocket` handles; tracks sockets so `stop` ends them. */
async function serve(onSocket: (socket: Socket) => void) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = { host: '127.0.0.1', port: (server.address() as { port: number }).port };
  return {
    address,
    sockets,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Resolves once `sockets` is empty (every connection closed). */
async function allClosed(sockets: Set<Socket>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return sockets.size === 0;
}

describe('audit target and canaries', () => {
  let target: AuditTarget;
  before(async () => {
    target = await startAuditTarget({ host: '127.0.0.1', port: 0 });
  });
  after(() => target.close());

  it('an echoed canary is delivered with a round trip shorter than the timeout', async () => {
    assert.equal(target.address.host, '127.0.0.1');
    assert.ok(target.address.port > 0);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => sendCanary(openTcp, target.address, { timeoutMs: 30_000 })),
    );
    for (const r of results) {
      assert.equal(r.delivered, true);
      assert.ok(r.rttMicros > 0 && r.rttMicros < 30_000_000, `rtt ${r.rttMicros} µs`);
    }
  });

  it('echo mode echoes every byte after the mode byte, in order', async () => {
    const socket = (await openTcp(target.address)) as Socket;
    const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const chunks: Buffer[] = [];
    let length = 0;
    const done = new Promise<void>((resolve) =>
      socket.on('data', (c: Buffer) => {
        chunks.push(c);
        length += c.length;
        if (length >= payload.length) resolve();
      }),
    );
    socket.write(Buffer.concat([Buffer.from('E'), payload.subarray(0, 1000)]));
    socket.write(payload.subarray(1000));
    await done;
    socket.destroy();
    assert.ok(Buffer.concat(chunks).equals(payload));
  });

  it('get mode sends exactly the asked bytes and ends; the length may arrive in pieces, padding is dropped', async () => {
    for (const down of [1, 65_536, 1_000_003]) {
      const got = await downloadFromTarget(openTcp, target.address, {
        upBytes: 4_096,
        downBytes: down,
        timeoutMs: 10_000,
      });
      assert.equal(got, down);
    }
    const socket = (await openTcp(target.address)) as Socket;
    let received = 0;
    socket.on('data', (c: Buffer) => {
      received += c.length;
    });
    const header = Buffer.alloc(5);
    header[0] = MODE_GET;
    header.writeUInt32BE(70_000, 1);
    socket.write(header.subarray(0, 2));
    await new Promise((r) => setTimeout(r, 20));
    socket.write(header.subarray(2));
    socket.write(Buffer.alloc(10_000));
    await once(socket, 'end');
    socket.destroy();
    assert.equal(received, 70_000);
  });

  it('a download through a stream that swallows everything gets nothing, after the timeout', async () => {
    const swallow = await serve((socket) => socket.resume());
    const got = await downloadFromTarget(openTcp, swallow.address, { upBytes: 100, downBytes: 1_000, timeoutMs: 200 });
    assert.equal(got, 0);
    assert.ok(await allClosed(swallow.sockets));
    await swallow.stop();
  });

  it('an unknown first byte closes the connection', async () => {
    const socket = (await openTcp(target.address)) as Socket;
    socket.on('data', () => assert.fail('no data expected'));
    socket.write('X hello');
    await once(socket, 'close');
  });

  it('a target that swallows the canary: not delivered, after the timeout, stream destroyed', async () => {
    const sink = await serve((socket) => socket.resume());
    try {
      const started = performance.now();
      const result = await sendCanary(openTcp, sink.address, { timeoutMs: 300 });
      assert.deepEqual(result, { delivered: false, rttMicros: 0 });
      assert.ok(performance.now() - started >= 290, 'waited for the timeout');
      assert.ok(await allClosed(sink.sockets), 'the probe stream was destroyed');
    } finally {
      await sink.stop();
    }
  });

  it('an altered, a short-then-closed and an overlong echo are not delivered', async () => {
    const flipper = await serve((socket) =>
      socket.on('data', (c: Buffer) => {
        const copy = Buffer.from(c.subarray(c[0] === 0x45 ? 1 : 0));
        copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 1;
        socket.write(copy);
      }),
    );
    const half = await serve((socket) => socket.once('data', (c: Buffer) => socket.end(c.subarray(1, 9))));
    const overlong = await serve((socket) =>
      socket.once('data', (c: Buffer) => socket.write(Buffer.concat([c.subarray(1), Buffer.from('extra')]))),
    );
    try {
      for (const server of [flipper, half, overlong]) {
        assert.deepEqual(await sendCanary(openTcp, server.address, { timeoutMs: 5_000 }), {
          delivered: false,
          rttMicros: 0,
        });
      }
    } finally {
      await Promise.all([flipper.stop(), half.stop(), overlong.stop()]);
    }
  });

  it('an open that fails (rejects or throws) is not delivered and does not throw', async () => {
    const refused: OpenStream = () => Promise.reject(new Error('refused'));
    const throwing: OpenStream = () => {
      throw new Error('sync');
    };
    const hanging: OpenStream = () => new Promise(() => {});
    for (const open of [refused, throwing, hanging]) {
      assert.deepEqual(await sendCanary(open, target.address, { timeoutMs: 200 }), { delivered: false, rttMicros: 0 });
    }
  });

  it('close() ends open connections', async () => {
    const other = await startAuditTarget({ host: '127.0.0.1', port: 0 });
    const socket = (await openTcp(other.address)) as Socket;
    socket.on('error', () => {});
    socket.write('E');
    socket.resume();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await other.close();
    await closed;
  });
});

describe('windowed counting (pure)', () => {
  it('counts only chunks read inside [start, end)', () => {
    const w = new WindowCounter(1_000, 3_000);
    w.add(10, 999.9);
    w.add(20, 1_000);
    w.add(30, 2_999.9);
    w.add(40, 3_000);
    assert.equal(w.bytes, 50);
    assert.equal(w.outside, 50);
    assert.equal(w.bytesPerSecond(), 25);
    assert.throws(() => new WindowCounter(5, 5), RangeError);
  });

  it('rate and sumShares', () => {
    assert.equal(rate(5_000_000, 500), 10_000_000);
    assert.throws(() => rate(1, 0), RangeError);
    assert.equal(sumShares([3_000_000, 3_500_000, 3_400_000]), 9_900_000);
    assert.equal(sumShares([]), 0);
    assert.throws(() => sumShares([1, -1]), RangeError);
    assert.throws(() => sumShares([Number.NaN]), RangeError);
  });
});

describe('measureCapacity', () => {
  it('against the audit target: bytes in the window, every stream blasting, all destroyed afterwards', async () => {
    const target = await startAuditTarget({ host: '127.0.0.1', port: 0 });
    const opened: Duplex[] = [];
    const open: OpenStream = async (d) => {
      const s = await openTcp(d);
      opened.push(s);
      return s;
    };
    try {
      const m = await measureCapacity(open, target.address, { streams: 3, warmupMs: 100, windowMs: 400 });
      assert.equal(m.streams, 3);
      assert.equal(m.errors, 0);
      assert.ok(m.bytes > 0, `bytes ${m.bytes}`);
      assert.equal(m.bytesPerSecond, m.bytes / 0.4);
      assert.equal(opened.length, 3);
      for (const s of opened) assert.ok(s.destroyed, 'stream destroyed after the window');
    } finally {
      await target.close();
    }
  });

  it('a paced source of known rate measures within ±15 % (warm-up burst excluded)', async () => {
    // Each connection: a 1 MB burst at once (must fall in the warm-up), then 500 kB/s paced by elapsed
    // time (a late timer writes what is due, so the long-run rate holds on a loaded machine).
    const perStream = 500_000;
    const source = await serve((socket) => {
      socket.once('data', (first: Buffer) => {
        if (first[0] !== MODE_BLAST) return socket.destroy();
        socket.resume();
        socket.write(Buffer.alloc(1_000_000));
        const t0 = performance.now();
        let sent = 0;
        const tick = setInterval(() => {
          if (socket.destroyed) return clearInterval(tick);
          const due = Math.floor(((performance.now() - t0) / 1000) * perStream) - sent;
          if (due > 0) {
            socket.write(Buffer.alloc(due));
            sent += due;
          }
        }, 5);
        socket.once('close', () => clearInterval(tick));
      });
    });
    try {
      const streams = 2;
      const m = await measureCapacity(openTcp, source.address, { streams, warmupMs: 400, windowMs: 2_000 });
      const expected = streams * perStream;
      assert.equal(m.errors, 0);
      assert.ok(
        Math.abs(m.bytesPerSecond - expected) <= 0.15 * expected,
        `measured ${Math.round(m.bytesPerSecond)} B/s, expected ${expected} ± 15 %`,
      );
    } finally {
      await source.stop();
    }
  });

  it('failed opens and streams ending early count as errors; an abort rejects and destroys the streams', async () => {
    const target = await startAuditTarget({ host: '127.0.0.1', port: 0 });
    const closer = await serve((socket) => socket.once('data', () => socket.end()));
    try {
      let n = 0;
      const flaky: OpenStream = (d) => (n++ % 2 === 0 ? openTcp(d) : Promise.reject(new Error('refused')));
      const m = await measureCapacity(flaky, target.address, { streams: 4, warmupMs: 0, windowMs: 200 });
      assert.equal(m.errors, 2);
      assert.ok(m.bytes > 0);

      const early = await measureCapacity(openTcp, closer.address, { streams: 2, warmupMs: 0, windowMs: 300 });
      assert.deepEqual(early, { bytes: 0, bytesPerSecond: 0, streams: 2, errors: 2 });

      const opened: Duplex[] = [];
      const controller = new AbortController();
      const aborted = measureCapacity(
        async (d) => {
          const s = await openTcp(d);
          opened.push(s);
          if (opened.length === 2) controller.abort(new Error('stop'));
          return s;
        },
        target.address,
        { streams: 2, warmupMs: 0, windowMs: 60_000, signal: controller.signal },
      );
      await assert.rejects(aborted, /stop/);
      await new Promise((r) => setImmediate(r));
      for (const s of opened) assert.ok(s.destroyed);

      await assert.rejects(
        measureCapacity(openTcp, target.address, { streams: 0, warmupMs: 0, windowMs: 1 }),
        RangeError,
      );
    } finally {
      await Promise.all([target.close(), closer.stop()]);
    }
  });
});
