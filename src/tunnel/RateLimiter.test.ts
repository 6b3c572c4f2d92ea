/**
 * RateLimiter: the token bucket itself (bounds, drain, refill, cap) and weighted fair queuing among
 * waiters driven by their own `resume()` callbacks, then the same limiter under real `MuxSession`s:
 * sessions of one listener sharing its capacity, and two directly built sessions of weights 1 and 4.
 *
 * Timing is never asserted tightly: shares are ratios with generous bounds, rates are checked
 * against hard upper bounds (the bucket cannot give more than burst + rate × time) and loose lower
 * bounds (a loaded machine only delays timers, which costs throughput).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial } from '../../test/support/tunnelHarness.ts';
import { connectClientSession } from './connectClientSession.ts';
import { createExitPolicy } from './exitPolicy.ts';
import { MuxSession } from './MuxSession.ts';
import type { MuxStream } from './MuxStream.ts';
import { RateLimiter, type RateWaiter } from './RateLimiter.ts';
import { SecureChannel } from './SecureChannel.ts';
import { startTunnelListener } from './startTunnelListener.ts';
import { generateStaticKeyPair } from './x25519.ts';

const CHUNK = 16 * 1024;

type Greedy = RateWaiter & {
  /** Bytes taken from the bucket. */
  bytes: number;
  resumes: number;
  /** While false, a resume takes nothing and does not wait again (the session has nothing to send). */
  wanting: boolean;
};

/** A waiter that always wants more: on each resume it takes CHUNKs while the bucket allows, then waits. */
function greedy(limiter: RateLimiter, weight: number): Greedy {
  const waiter: Greedy = {
    weight,
    bytes: 0,
    resumes: 0,
    wanting: true,
    resume() {
      waiter.resumes++;
      if (!waiter.wanting) return;
      while (limiter.canSend()) {
        limiter.take(CHUNK, waiter);
        waiter.bytes += CHUNK;
      }
      limiter.wait(waiter);
    },
  };
  return waiter;
}

/** Bytes each waiter takes during the next `ms` milliseconds. */
async function during(ms: number, waiters: Greedy[]): Promise<number[]> {
  const before = waiters.map((w) => w.bytes);
  await sleep(ms);
  return waiters.map((w, i) => w.bytes - (before[i] as number));
}

/**
 * Greedy waiters of `weights`, started in that order, contend for `limiter`: the bytes each takes during
 * `ms` after the first 100 ms (the first turns spend the initial burst).
 */
async function contend(limiter: RateLimiter, weights: number[], ms: number): Promise<number[]> {
  const waiters = weights.map((weight) => greedy(limiter, weight));
  for (const w of waiters) w.resume();
  await sleep(100);
  const got = await during(ms, waiters);
  stopAll(limiter, waiters);
  return got;
}

function stopAll(limiter: RateLimiter, waiters: Greedy[]): void {
  for (const w of waiters) {
    w.wanting = false;
    limiter.remove(w);
  }
}

/** Polls `canSend` until it holds; returns the milliseconds it took. */
async function untilCanSend(limiter: RateLimiter, maxMs = 5_000): Promise<number> {
  const started = performance.now();
  while (!limiter.canSend()) {
    if (performance.now() - started > maxMs) throw new Error('the bucket never refilled');
    await sleep(2);
  }
  return performance.now() - started;
}

describe('RateLimiter: the bucket', () => {
  it('rejects a rate that is not positive', () => {
    for (const rate of [0, -1, -0.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => new RateLimiter(rate), RangeError, `rate ${rate}`);
    }
  });

  it('defaults the burst to 1/20 s of the rate, at least 64 KiB; an explicit burst is kept', () => {
    assert.equal(new RateLimiter(1_000).burstBytes, 64 * 1024);
    assert.equal(new RateLimiter(10_000_000).burstBytes, 500_000);
    const limiter = new RateLimiter(1_000, 123);
    assert.equal(limiter.bytesPerSecond, 1_000);
    assert.equal(limiter.burstBytes, 123);
  });

  it('starts full: a burst may be sent at once, an overdraft empties it', () => {
    const limiter = new RateLimiter(1_000, 10_000);
    const waiter = { weight: 1, resume() {} };
    assert.ok(limiter.canSend());
    limiter.take(9_000, waiter);
    assert.ok(limiter.canSend(), '1000 tokens left');
    limiter.take(1_500, waiter); // a frame may overdraw the bucket
    assert.equal(limiter.canSend(), false);
    limiter.take(1, waiter);
    assert.equal(limiter.canSend(), false);
  });

  it('refills at the rate: an overdraft of D bytes is waited off in D / rate seconds', async () => {
    const limiter = new RateLimiter(100_000, 10_000);
    const waiter = { weight: 1, resume() {} };
    limiter.take(10_000 + 10_000, waiter); // 10 000 bytes overdrawn: 100 ms
    assert.equal(limiter.canSend(), false);
    const waited = await untilCanSend(limiter);
    assert.ok(waited >= 90, `refilled after ${waited.toFixed(1)} ms, expected about 100`);
    assert.ok(waited < 2_000, `refilled after ${waited.toFixed(1)} ms, expected about 100`);
  });

  it('holds at most burstBytes however long it idles', async () => {
    const limiter = new RateLimiter(10_000, 1_000);
    const waiter = { weight: 1, resume() {} };
    limiter.take(1_000, waiter);
    await sleep(300); // 3000 bytes' worth of time, but the bucket holds 1000
    assert.ok(limiter.canSend());
    limiter.take(1_000 + 2_000, waiter); // 2000 overdrawn (200 ms) only if the cap held
    assert.equal(limiter.canSend(), false, 'the bucket kept more than its burst');
    const waited = await untilCanSend(limiter);
    assert.ok(waited >= 180, `refilled after ${waited.toFixed(1)} ms, expected about 200`);
  });

  it('take does not require a wait first, and accounts bytes of unknown waiters', () => {
    const limiter = new RateLimiter(1_000, 2_000);
    limiter.take(2_500, { weight: 3, resume() {} });
    assert.equal(limiter.canSend(), false);
  });
});

describe('RateLimiter: waiting', () => {
  it('a waiter is resumed once per wait, as soon as the bucket has tokens', async () => {
    const limiter = new RateLimiter(1_000_000, 10_000);
    let resumes = 0;
    const waiter = { weight: 1, resume: () => resumes++ };
    limiter.wait(waiter); // tokens available: resumed on the next turn
    await sleep(50);
    assert.equal(resumes, 1);
    await sleep(50);
    assert.equal(resumes, 1, 'not resumed again without another wait');
    limiter.remove(waiter);
  });

  it('a waiter on an empty bucket is resumed only after the deficit is refilled', async () => {
    const limiter = new RateLimiter(100_000, 1_000);
    let resumedAt: number | undefined;
    const waiter = { weight: 1, resume: () => (resumedAt ??= performance.now()) };
    limiter.take(1_000 + 10_000, waiter); // 100 ms overdrawn
    const started = performance.now();
    limiter.wait(waiter);
    while (resumedAt === undefined && performance.now() - started < 5_000) await sleep(5);
    assert.ok(resumedAt !== undefined, 'never resumed');
    const waited = resumedAt - started;
    assert.ok(waited >= 90, `resumed after ${waited.toFixed(1)} ms, before the bucket refilled`);
    assert.ok(limiter.canSend(), 'resumed with tokens in the bucket');
    limiter.remove(waiter);
  });

  it('never gives more than burst + rate × time, and alone gets most of the rate', async () => {
    const rate = 2_000_000;
    const burst = 64 * 1024;
    const limiter = new RateLimiter(rate, burst);
    const solo = greedy(limiter, 4); // weight is irrelevant without contention
    const started = performance.now();
    solo.resume();
    await sleep(1_000);
    const elapsed = performance.now() - started;
    const bytes = solo.bytes;
    stopAll(limiter, [solo]);
    const ceiling = burst + (rate * elapsed) / 1000 + CHUNK; // one frame may overdraw the bucket
    assert.ok(bytes <= ceiling, `${bytes} bytes in ${elapsed.toFixed(0)} ms exceeds ${ceiling.toFixed(0)}`);
    assert.ok(bytes >= 0.5 * rate * (elapsed / 1000), `only ${bytes} bytes in ${elapsed.toFixed(0)} ms`);
  });

  it('weights 1 and 4 that always want more share the bytes about 1:4', async () => {
    const [l, h] = (await contend(new RateLimiter(2_000_000, 32 * 1024), [1, 4], 1_000)) as [number, number];
    assert.ok(h / l >= 3 && h / l <= 5, `heavy:light = ${h}:${l} = ${(h / l).toFixed(2)}, expected about 4`);
  });

  it('the heavier weight wins whichever waits first', async () => {
    const [h, l] = (await contend(new RateLimiter(2_000_000, 32 * 1024), [4, 1], 600)) as [number, number];
    assert.ok(h / l >= 3 && h / l <= 5, `heavy:light = ${h}:${l} = ${(h / l).toFixed(2)}, expected about 4`);
  });

  it('equal weights share about 1:1', async () => {
    const [x, y] = (await contend(new RateLimiter(2_000_000, 32 * 1024), [1, 1], 600)) as [number, number];
    assert.ok(x / y >= 0.75 && x / y <= 1.33, `a:b = ${x}:${y} = ${(x / y).toFixed(2)}, expected about 1`);
  });

  it('three waiters of weights 1, 2, 3 get about 1/6, 2/6, 3/6', async () => {
    const weights = [1, 2, 3];
    const got = await contend(new RateLimiter(3_000_000, 32 * 1024), weights, 800);
    const total = got.reduce((s, n) => s + n, 0);
    for (const [i, weight] of weights.entries()) {
      const share = (got[i] as number) / total;
      const expected = weight / 6;
      assert.ok(
        share >= expected * 0.7 && share <= expected * 1.3,
        `weight ${weight} got ${(share * 100).toFixed(1)}% (${got.join(' / ')}), expected ${(expected * 100).toFixed(1)}%`,
      );
    }
  });

  it('a newcomer does not catch up on service it never asked for', async () => {
    const limiter = new RateLimiter(2_000_000, 32 * 1024);
    const old = greedy(limiter, 1);
    old.resume();
    await sleep(400); // ~800 kB of service for `old` alone
    const newcomer = greedy(limiter, 1);
    newcomer.resume();
    const [o, n] = await during(400, [old, newcomer]);
    stopAll(limiter, [old, newcomer]);
    const share = (n as number) / ((o as number) + (n as number));
    // Starting from zero service, the newcomer would take everything for the next 400 ms.
    assert.ok(share >= 0.3 && share <= 0.7, `newcomer got ${(share * 100).toFixed(1)}% (${n} vs ${o})`);
    assert.ok((o as number) > 0, 'the old waiter was starved by the newcomer');
  });

  // A waiter that stopped waiting while others still contend keeps its account; when it returns it
  // must not be served alone until that old account catches up with the others' (as long as it was
  // away): the same "no catching up on the past" rule as for a newcomer.
  it('a waiter that pauses and returns does not catch up on its pause either', async () => {
    const limiter = new RateLimiter(2_000_000, 32 * 1024);
    const a = greedy(limiter, 1);
    const b = greedy(limiter, 1);
    a.resume();
    b.resume();
    await sleep(200);
    a.wanting = false; // a has nothing to send for a while; b keeps the limiter busy
    await sleep(400);
    a.wanting = true;
    a.resume(); // a has data again: it finds the bucket empty and waits
    const [x, y] = await during(200, [a, b]);
    stopAll(limiter, [a, b]);
    const share = (y as number) / ((x as number) + (y as number));
    assert.ok(share >= 0.25, `b got ${(share * 100).toFixed(1)}% (${y} vs ${x}) after a returned`);
  });

  it('when contention ends, the next one starts from equal shares', async () => {
    const limiter = new RateLimiter(2_000_000, 32 * 1024);
    const a = greedy(limiter, 1);
    const b = greedy(limiter, 1);
    a.resume();
    b.resume();
    await sleep(150);
    b.wanting = false; // b leaves; a goes on alone and piles up service
    await sleep(300);
    a.wanting = false; // now nobody waits: contention is over
    await sleep(50);
    a.wanting = true;
    b.wanting = true;
    b.resume();
    a.resume();
    const [x, y] = await during(400, [a, b]);
    stopAll(limiter, [a, b]);
    const ratio = (x as number) / (y as number);
    assert.ok(ratio >= 0.6 && ratio <= 1.67, `a:b = ${x}:${y} = ${ratio.toFixed(2)} after contention restarted`);
  });

  it('remove() forgets a waiter: it is never resumed again, and the others take its share', async () => {
    const limiter = new RateLimiter(2_000_000, 32 * 1024);
    const a = greedy(limiter, 1);
    const b = greedy(limiter, 1);
    a.resume();
    b.resume();
    await sleep(200);
    limiter.remove(a); // while a is waiting
    const resumesAtRemoval = a.resumes;
    const [x, y] = await during(300, [a, b]);
    assert.equal(a.resumes, resumesAtRemoval, 'a removed waiter was resumed');
    assert.equal(x, 0);
    assert.ok((y as number) >= 0.5 * 2_000_000 * 0.3, `b alone got only ${y} bytes in 300 ms`);
    stopAll(limiter, [b]);
  });

  it('remove() of the only waiter cancels its pending turn', async () => {
    const limiter = new RateLimiter(100_000, 1_000);
    let resumes = 0;
    const waiter = { weight: 1, resume: () => resumes++ };
    limiter.take(1_000 + 5_000, waiter); // 50 ms overdrawn
    limiter.wait(waiter);
    limiter.remove(waiter);
    await sleep(200);
    assert.equal(resumes, 0);
  });

  it('waiting twice before a turn resumes only once', async () => {
    const limiter = new RateLimiter(100_000, 1_000);
    let resumes = 0;
    const waiter = { weight: 1, resume: () => resumes++ };
    limiter.take(2_000, waiter);
    limiter.wait(waiter);
    limiter.wait(waiter);
    await sleep(200);
    assert.equal(resumes, 1);
    limiter.remove(waiter);
  });
});

/** A TCP server that writes to each connection as fast as it is read, until closed. */
async function startFirehose(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const block = Buffer.alloc(64 * 1024, 0x5a);
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    const pump = () => {
      while (!socket.destroyed && socket.write(block));
    };
    socket.on('drain', pump);
    pump();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

function counter(stream: MuxStream): { bytes: number } {
  const c = { bytes: 0 };
  stream.on('data', (chunk: Buffer) => (c.bytes += chunk.length));
  return c;
}

describe('RateLimiter under MuxSessions', { timeout: 30_000 }, () => {
  it('two client sessions through one listener share its capacity evenly and never exceed it', async () => {
    const rate = 4_000_000;
    const limiter = new RateLimiter(rate);
    const staticKeys = generateStaticKeyPair();
    const listener = await startTunnelListener({ staticKeys, policy: createExitPolicy({ devnet: true }), limiter });
    const firehose = await startFirehose();
    const hop = { host: listener.address.host, port: listener.address.port, publicKey: staticKeys.publicKey };
    const clients = [await connectClientSession({ hops: [hop] }), await connectClientSession({ hops: [hop] })];
    try {
      const counts = await Promise.all(
        clients.map(async (c) => counter(await c.openStream({ host: '127.0.0.1', port: firehose.port }))),
      );
      await sleep(300);
      const before = counts.map((c) => c.bytes);
      const started = performance.now();
      await sleep(1_200);
      const elapsed = performance.now() - started;
      const got = counts.map((c, i) => c.bytes - (before[i] as number));
      const [a, b] = got as [number, number];
      const ratio = a / b;
      assert.ok(ratio >= 0.6 && ratio <= 1.67, `sessions got ${a}:${b} = ${ratio.toFixed(2)}, expected about 1`);
      // The bucket may be full at the start of the window, and one 64 KiB frame may overdraw it.
      const ceiling = limiter.burstBytes + (rate * elapsed) / 1000 + 2 * 65_536;
      assert.ok(a + b <= ceiling, `${a + b} bytes in ${elapsed.toFixed(0)} ms exceeds ${ceiling.toFixed(0)}`);
      assert.ok(a + b >= 0.4 * rate * (elapsed / 1000), `only ${a + b} bytes in ${elapsed.toFixed(0)} ms`);
    } finally {
      for (const c of clients) c.close();
      firehose.close();
      await listener.close();
    }
  });

  it('a gate that opens while the limiter is empty does not strand the blocked streams', async () => {
    // The streams block on the closed gate while the bucket is full (so the session does not queue for the
    // limiter); the bucket is then emptied by others; the gate opening finds it empty. The session must
    // queue for the limiter then, or nothing would ever wake its streams again.
    const rate = 4_000_000;
    const limiter = new RateLimiter(rate);
    const staticKeys = generateStaticKeyPair();
    const sessions: MuxSession[] = [];
    const listener = await startTunnelListener({
      staticKeys,
      policy: createExitPolicy({ devnet: true }),
      limiter,
      onSession: (session) => sessions.push(session),
    });
    const firehose = await startFirehose();
    const client = await connectClientSession({
      hops: [{ host: listener.address.host, port: listener.address.port, publicKey: staticKeys.publicKey }],
    });
    try {
      const count = counter(await client.openStream({ host: '127.0.0.1', port: firehose.port }));
      await sleep(300);
      assert.ok(count.bytes > 0, 'data flows before the gate closes');
      const provider = sessions[0] as MuxSession;
      provider.gate.close();
      await sleep(400);
      assert.ok(limiter.canSend(), 'the bucket refilled while the gate was closed');
      const other: RateWaiter = { weight: 1, resume: () => {} };
      limiter.take(limiter.burstBytes + rate / 4, other);
      assert.ok(!limiter.canSend());
      const before = count.bytes;
      provider.gate.open();
      // The deficit is refilled after ≈ 250 ms; allow a loaded machine far more.
      const deadline = Date.now() + 5_000;
      while (count.bytes === before && Date.now() < deadline) await sleep(50);
      assert.ok(count.bytes > before, 'data flows again once the bucket refills');
    } finally {
      client.close();
      firehose.close();
      await listener.close();
    }
  });

  it('a bucket that refills between the failed send and the block still wakes the stream', async () => {
    // The bucket refills continuously: a send can find it empty and, microseconds later, the check of why
    // the stream blocked finds tokens again. The session must queue for the limiter all the same, or the
    // stream (credit open, gate open, channel writable) is never woken. This limiter reports "empty" once,
    // for the next `emptyChecks` checks, on demand, to make that interleaving certain (a send path may check
    // once or twice before it blocks, so the rounds try 1 to 3).
    class RefillingLimiter extends RateLimiter {
      emptyChecks = 0;
      override canSend(): boolean {
        if (this.emptyChecks > 0) {
          this.emptyChecks--;
          return false;
        }
        return super.canSend();
      }
    }
    const limiter = new RefillingLimiter(1e12);
    const staticKeys = generateStaticKeyPair();
    const listener = await startTunnelListener({ staticKeys, policy: createExitPolicy({ devnet: true }), limiter });
    const firehose = await startFirehose();
    const client = await connectClientSession({
      hops: [{ host: listener.address.host, port: listener.address.port, publicKey: staticKeys.publicKey }],
    });
    try {
      const count = counter(await client.openStream({ host: '127.0.0.1', port: firehose.port }));
      for (let round = 0; round < 20; round++) {
        limiter.emptyChecks = 1 + (round % 3);
        const before = count.bytes;
        const deadline = Date.now() + 5_000;
        while (count.bytes - before < 1024 * 1024 && Date.now() < deadline) await sleep(10);
        assert.ok(count.bytes - before >= 1024 * 1024, `round ${round}: the stream kept flowing`);
      }
    } finally {
      client.close();
      firehose.close();
      await listener.close();
    }
  });

  it('provider sessions of weights 1 and 4 on one limiter: the client of the heavier gets about 4×', async () => {
    const limiter = new RateLimiter(8_000_000);
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const providerKeys = generateStaticKeyPair();
    const block = Buffer.alloc(256 * 1024, 0x33);
    const opened: MuxSession[] = [];
    /** One provider session of `weight` whose every accepted stream is written to without end. */
    const connectPair = async (weight: number): Promise<{ client: MuxSession; provider: MuxSession }> => {
      const accepted = once(server, 'connection');
      const socket = await dial(port);
      const [peer] = (await accepted) as [Socket];
      const [clientChannel, providerChannel] = await Promise.all([
        SecureChannel.open({
          transport: socket,
          localStatic: generateStaticKeyPair(),
          remoteStatic: providerKeys.publicKey,
        }),
        SecureChannel.open({ transport: peer, localStatic: providerKeys }),
      ]);
      const provider: MuxSession = new MuxSession({
        channel: providerChannel,
        limiter,
        onOpen: (_request, stream) => {
          provider.answerOpen(stream, 0);
          const pump = () => {
            while (!stream.destroyed && stream.write(block));
          };
          stream.on('drain', pump);
          pump();
        },
      });
      provider.setWeight(weight);
      const client = new MuxSession({ channel: clientChannel });
      opened.push(client, provider);
      return { client, provider };
    };
    try {
      const light = await connectPair(1);
      const heavy = await connectPair(4);
      const [l, h] = await Promise.all([
        light.client.openStream({ host: 'origin.test', port: 80 }).then(counter),
        heavy.client.openStream({ host: 'origin.test', port: 80 }).then(counter),
      ]);
      await sleep(300);
      const before = [l.bytes, h.bytes];
      await sleep(1_500);
      const lightBytes = l.bytes - (before[0] as number);
      const heavyBytes = h.bytes - (before[1] as number);
      const ratio = heavyBytes / lightBytes;
      assert.ok(ratio >= 2.5 && ratio <= 6, `heavy:light = ${heavyBytes}:${lightBytes} = ${ratio.toFixed(2)}`);
      assert.ok(heavy.provider.meter.sent > light.provider.meter.sent);
    } finally {
      for (const session of opened) session.close();
      server.close();
    }
  });
});
