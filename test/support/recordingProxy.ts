/**
 * A TCP proxy that records what a censor on the path sees of each connection: the client's first
 * chunk (bytes), the size of the server's first chunk and of the client's second, and the delay
 * between the client's first chunk and the server's answer. Real sockets, nothing altered.
 *
 * `bytesPerMs` puts a link of that rate between the server and the client, as a censor on a real path
 * sees it: what the server sends is queued and leaves in chunks of at most 64 KiB, one per
 * `64 KiB / bytesPerMs` ms, so bulk leaves in chunks the link shapes (full ones while the server is ahead
 * of it) instead of chunks cut where a loopback read caught up with a sender's write or where the
 * proxy's own socket buffer filled (its memory accounting depends on each sender's segment sizes).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { type FirstFlights, SEQUENCE_LENGTH } from './trafficFeatures.ts';

/** The most a link chunk carries (a loopback read's size, Node's default). */
const LINK_CHUNK = 64 * 1024;

export type RecordingProxy = {
  port: number;
  /** Flights of every connection that has closed, in closing order. */
  flights: FirstFlights[];
  /** Resolves once `n` connections have closed. */
  closed(n: number): Promise<void>;
  close(): Promise<void>;
};

export async function startRecordingProxy(
  targetPort: number,
  { bytesPerMs }: { bytesPerMs?: number } = {},
): Promise<RecordingProxy> {
  const flights: FirstFlights[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.once('close', () => sockets.delete(s));
    }
    let client1: Buffer | undefined;
    let client2 = 0;
    let server1 = 0;
    let t1 = 0n;
    let gapMs = 0;
    const sizes: number[] = [];
    client.on('data', (chunk: Buffer) => {
      if (sizes.length < SEQUENCE_LENGTH) sizes.push(chunk.length);
      if (!client1) {
        client1 = Buffer.from(chunk);
        t1 = process.hrtime.bigint();
      } else if (client2 === 0) client2 = chunk.length;
      upstream.write(chunk);
    });
    // The link: a queue of what the server sent, leaving in chunks of at most LINK_CHUNK at `bytesPerMs`.
    const queue: Buffer[] = [];
    let queued = 0;
    let busy = false;
    let upstreamEnded = false;
    const transmit = () => {
      if (queued === 0) {
        busy = false;
        if (upstreamEnded) client.end();
        return;
      }
      busy = true;
      const all = Buffer.concat(queue);
      const n = Math.min(LINK_CHUNK, all.length);
      queue.length = 0;
      if (n < all.length) queue.push(all.subarray(n));
      queued -= n;
      fromServer(all.subarray(0, n));
      setTimeout(transmit, n / (bytesPerMs as number));
    };
    upstream.on('data', (chunk: Buffer) => {
      if (!bytesPerMs) {
        fromServer(chunk);
        return;
      }
      queue.push(chunk);
      queued += chunk.length;
      if (!busy) transmit();
    });
    const fromServer = (chunk: Buffer) => {
      if (sizes.length < SEQUENCE_LENGTH) sizes.push(-chunk.length);
      if (server1 === 0 && client1) {
        server1 = chunk.length;
        gapMs = Number(process.hrtime.bigint() - t1) / 1e6;
      }
      client.write(chunk);
    };
    client.on('end', () => upstream.end());
    upstream.on('end', () => {
      upstreamEnded = true;
      if (!busy) client.end();
    });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      client.destroy();
      upstream.destroy();
      if (client1) flights.push({ client1, server1, client2, gapMs, sizes });
      for (const w of [...waiters]) {
        if (flights.length >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    };
    client.once('close', finish);
    // A server that closed while the link still carries its bytes is finished when they have left.
    upstream.once('close', () => (busy ? client.once('finish', finish) : finish()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    flights,
    closed: (n) => (flights.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
