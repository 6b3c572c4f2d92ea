/**
 * The audit target: a TCP server an auditor runs itself and names as the destination of its probes, so
 * what comes back through a provider can be checked (canaries) and counted (capacity).
 *
 * Protocol — the first byte the client sends selects the mode:
 *
 *   'E' (0x45) canary echo: every byte after the 'E' is echoed back, unchanged, until the peer closes.
 *              The auditor sends 'E' + a random 16-byte nonce and times the echo (`sendCanary.ts`).
 *   'B' (0x42) blast: the server writes filler bytes (one reused buffer: throughput matters, not
 *              content) as fast as TCP back-pressure allows until the peer closes; anything else the
 *              peer sends is read and dropped (`measureCapacity.ts`).
 *   'G' (0x47) get: the next 4 bytes are a length (uint32, big-endian); the server writes exactly that
 *              many filler bytes and ends its side; anything else the peer sends is read and dropped.
 *              A probe's customer-like download (`downloadFromTarget.ts`): a fixed volume, like a GET.
 *   anything else: the connection is closed at once.
 *
 * A connection that sends nothing within `FIRST_BYTE_TIMEOUT_MS` is closed. `close()` stops listening
 * and destroys every open connection.
 */
import { createServer, type Socket } from 'node:net';

export const MODE_ECHO = 0x45; // 'E'
export const MODE_BLAST = 0x42; // 'B'
export const MODE_GET = 0x47; // 'G'
/** A connection that has not chosen its mode by then is closed. */
export const FIRST_BYTE_TIMEOUT_MS = 30_000;
/** What blast mode writes, over and over. */
const BLAST_CHUNK = Buffer.alloc(64 * 1024, 0x5a);

export type AuditTarget = {
  address: { host: string; port: number };
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
};

export async function startAuditTarget({ host, port }: { host: string; port: number }): Promise<AuditTarget> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A reset peer is normal here (the auditor destroys its streams); nothing to report.
    socket.on('error', () => {});
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      const mode = first[0];
      if (mode === MODE_ECHO) echo(socket, first.subarray(1));
      else if (mode === MODE_BLAST) blast(socket);
      else if (mode === MODE_GET) get(socket, first.subarray(1));
      else socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error('audit target: no TCP address');
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function echo(socket: Socket, rest: Buffer): void {
  if (rest.length > 0) socket.write(rest);
  // pipe() resumes the socket, honours back-pressure and ends our side when the peer ends its side.
  socket.pipe(socket);
}

function blast(socket: Socket): void {
  let stopped = false;
  const stop = () => {
    stopped = true;
    socket.destroy();
  };
  socket.once('end', stop);
  socket.once('close', () => {
    stopped = true;
  });
  // Whatever else the peer sends is dropped.
  socket.on('data', () => {});
  socket.resume();
  const fill = () => {
    while (!stopped && !socket.destroyed) {
      if (!socket.write(BLAST_CHUNK)) {
        socket.once('drain', fill);
        return;
      }
    }
  };
  fill();
}

/** Reads the 4-byte length (it may arrive in pieces), then writes that many filler bytes and ends. */
function get(socket: Socket, rest: Buffer): void {
  let header = rest;
  const served = () => {
    let left = header.readUInt32BE(0);
    const pump = () => {
      while (left > 0 && !socket.destroyed) {
        const n = Math.min(left, BLAST_CHUNK.length);
        left -= n;
        if (!socket.write(BLAST_CHUNK.subarray(0, n))) return void socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  };
  const onData = (chunk: Buffer) => {
    if (header.length >= 4) return; // the peer's padding: dropped
    header = Buffer.concat([header, chunk]);
    if (header.length >= 4) served();
  };
  socket.on('data', onData);
  socket.resume();
  if (header.length >= 4) served();
}
