/**
 * A TCP proxy that records what a censor on the path sees of each connection: the client's first
 * chunk (bytes), the size of the server's first chunk and of the client's second, and the delay
 * between the client's first chunk and the server's answer. Real sockets, nothing altered.
 *
 * `bytesPerMs` makes the server-to-client direction a link of that rate: after each read (at most
 * 64 KiB) the proxy reads nothing more until the link has carried it, so bulk arrives in chunks that a
 * bottleneck shapes, as on a real path, rather than in chunks that follow each sender's writes as the
 * CPU happens to schedule them (on loopback a reader otherwise catches up with the sender between two
 * of its writes).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { type FirstFlights, SEQUENCE_LENGTH } from './trafficFeatures.ts';

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
    // The server's side is read into one 64 KiB buffer: with `bytesPerMs`, reading stops (in the kernel's
    // queue, not in a stream buffer) until the link has carried the last read.
    const buffer = Buffer.alloc(64 * 1024);
    const upstream = connect({
      host: '127.0.0.1',
      port: targetPort,
      noDelay: true,
      onread: {
        buffer,
        callback: (n: number, bytes: Uint8Array) => {
          fromServer(Buffer.from(bytes.subarray(0, n)));
          if (!bytesPerMs) return true;
          setTimeout(() => upstream.resume(), n / bytesPerMs);
          return false;
        },
      },
    });
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
    const fromServer = (chunk: Buffer) => {
      if (sizes.length < SEQUENCE_LENGTH) sizes.push(-chunk.length);
      if (server1 === 0 && client1) {
        server1 = chunk.length;
        gapMs = Number(process.hrtime.bigint() - t1) / 1e6;
      }
      client.write(chunk);
    };
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
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
    upstream.once('close', finish);
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
