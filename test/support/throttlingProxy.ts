/**
 * A censor's middlebox in a test: a TCP proxy that forwards a transport's connections and, once told to
 * (`throttle`), lets each connection carry `freeBytes` more toward the client at full speed and then polices
 * it to `bytesPerSecond` with a token bucket, as Russia's TSPU did to Twitter in 2021. Toward the provider it
 * forwards as it comes. What it cannot forward yet it holds, at most `QUEUE_BYTES`, and stops reading from
 * the provider beyond that (TCP back-pressure, as a policer's queue is short).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** The policer's queue: what the proxy holds toward the client before it stops reading from the provider. */
const QUEUE_BYTES = 64 * 1024;
/** The token bucket's refill period and burst (one period's worth). */
const REFILL_MS = 20;

export type ThrottlingProxy = {
  port: number;
  connections: number;
  /** Bytes forwarded toward the client, every connection. */
  readonly forwarded: number;
  /** From now on each connection gets `freeBytes` more at full speed, then `bytesPerSecond`. */
  throttle(bytesPerSecond: number, freeBytes: number): void;
  close(): Promise<void>;
};

export async function startThrottlingProxy(targetPort: number): Promise<ThrottlingProxy> {
  const sockets = new Set<Socket>();
  const pumps = new Set<() => void>();
  const state = { connections: 0, forwarded: 0, rate: 0, free: 0, epoch: 0 };
  const server: Server = createServer({ noDelay: true }, (client) => {
    state.connections++;
    const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.once('close', () => sockets.delete(s));
    }
    client.pipe(upstream);
    const queue: Buffer[] = [];
    let queued = 0;
    let tokens = 0;
    let epoch = -1;
    let freeLeft = Number.POSITIVE_INFINITY;
    let ended = false;
    const pump = (): void => {
      if (epoch !== state.epoch) {
        epoch = state.epoch;
        freeLeft = state.free;
      }
      while (queue.length > 0 && !client.destroyed) {
        const head = queue[0] as Buffer;
        const policed = state.rate > 0 && freeLeft <= 0;
        const allowed = policed ? Math.floor(tokens) : state.rate > 0 ? freeLeft : Number.POSITIVE_INFINITY;
        if (allowed <= 0) break;
        const piece = head.subarray(0, Math.min(head.length, allowed));
        if (piece.length === head.length) queue.shift();
        else queue[0] = head.subarray(piece.length);
        queued -= piece.length;
        if (policed) tokens -= piece.length;
        else if (state.rate > 0) freeLeft -= piece.length;
        state.forwarded += piece.length;
        if (!client.write(piece)) break;
      }
      if (queued < QUEUE_BYTES && client.writableLength < QUEUE_BYTES) upstream.resume();
      if (ended && queue.length === 0) client.end();
    };
    const refill = (): void => {
      if (state.rate > 0 && freeLeft <= 0)
        tokens = Math.min(tokens + (state.rate * REFILL_MS) / 1000, (state.rate * REFILL_MS) / 1000);
      pump();
    };
    pumps.add(refill);
    upstream.on('data', (chunk: Buffer) => {
      queue.push(chunk);
      queued += chunk.length;
      if (queued >= QUEUE_BYTES) upstream.pause();
      pump();
    });
    client.on('drain', pump);
    upstream.once('end', () => {
      ended = true;
      pump();
    });
    client.once('close', () => {
      pumps.delete(refill);
      upstream.destroy();
    });
    upstream.once('close', () => {
      if (queue.length === 0) client.destroy();
    });
  });
  const timer = setInterval(() => {
    for (const pump of pumps) pump();
  }, REFILL_MS);
  timer.unref();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get connections() {
      return state.connections;
    },
    get forwarded() {
      return state.forwarded;
    },
    throttle(bytesPerSecond, freeBytes) {
      state.rate = bytesPerSecond;
      state.free = freeBytes;
      state.epoch++;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
