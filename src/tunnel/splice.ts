/**
 * Joins two duplex streams both ways with back-pressure (`pipe` pauses the source when the
 * destination's `write()` returns false and resumes on `drain`), propagating half-close, and
 * destroying both sides when either fails. Calls `onDone` once when both are gone.
 *
 * `spliceSocket` is the exit's variant: the destination socket is read in place (`InPlaceReader`,
 * the socket's `onread`) and each read goes out as DATA frames before the next read, so the exit
 * allocates nothing per read.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { MuxStream } from './MuxStream.ts';

export function splice(a: Duplex, b: Duplex, onDone?: (error?: Error) => void): void {
  joinLifetimes(a, b, onDone);
  a.pipe(b);
  b.pipe(a);
}

/** `stream` → `socket` by `pipe`; `socket` → `stream` through `reader` (the socket's `onread`). */
export function spliceSocket(
  stream: MuxStream,
  socket: Socket,
  reader: InPlaceReader,
  onDone?: (error?: Error) => void,
) {
  joinLifetimes(stream, socket, onDone);
  stream.pipe(socket);
  socket.once('end', () => stream.end());
  reader.start(stream, socket);
}

/**
 * Two duplexes joined both ways with back-pressure (`pipe`), half-closes passed on, one's error or loss the
 * other's: a relay's RELAY stream and the stream its NATed provider opened over its reservation (docs/nat.md).
 */
export function spliceStreams(a: Duplex, b: Duplex, onDone?: (error?: Error) => void): void {
  joinLifetimes(a, b, onDone);
  a.pipe(b);
  b.pipe(a);
}

function joinLifetimes(a: Duplex, b: Duplex, onDone?: (error?: Error) => void): void {
  let done = false;
  let closed = 0;
  const finish = (error?: Error) => {
    if (error) {
      a.destroy();
      b.destroy();
    }
    if (!done && (error || closed === 2)) {
      done = true;
      onDone?.(error);
    }
  };
  for (const side of [a, b]) {
    side.on('error', (error: Error) => finish(error));
    side.once('close', () => {
      closed++;
      // One side gone without error: the other cannot deliver anything more either.
      const other = side === a ? b : a;
      if (!other.writableFinished && !other.destroyed) {
        if (side.readableEnded) other.end();
        else other.destroy();
      }
      finish();
    });
  }
}

/**
 * One read buffer for every exit socket of the process: a read is consumed (encrypted into DATA
 * records) before the next read of any socket, so it can be shared. 256 KiB: up to four 64 KiB
 * frames per read syscall.
 */
const sharedReadBuffer = Buffer.allocUnsafe(256 * 1024);

/**
 * Reads a socket in place (pass `onread` to `net.connect`) and hands each read to a mux stream
 * with `MuxStream.sendNow`. What the stream cannot take at once (no credit, closed gate, a full
 * channel) is copied and queued with `write()`, and the socket stays paused until that copy has
 * gone out — the same back-pressure as `pipe`, without allocating a buffer for every read.
 */
export class InPlaceReader {
  #stream: MuxStream | undefined;
  #socket: Socket | undefined;
  /** Bytes read before `start` (the destination spoke before the stream was spliced). */
  #early: Buffer[] = [];

  readonly onread = {
    buffer: sharedReadBuffer,
    callback: (nread: number, buffer: Uint8Array): boolean => this.#onRead((buffer as Buffer).subarray(0, nread)),
  };

  start(stream: MuxStream, socket: Socket): void {
    this.#stream = stream;
    this.#socket = socket;
    for (const chunk of this.#early) stream.write(chunk);
    this.#early = [];
  }

  #onRead(data: Buffer): boolean {
    const stream = this.#stream;
    if (!stream) {
      this.#early.push(Buffer.from(data));
      return true;
    }
    const sent = stream.sendNow(data);
    if (sent === data.length) return true;
    const socket = this.#socket as Socket;
    let returned = false;
    let written = false;
    stream.write(Buffer.from(data.subarray(sent)), () => {
      written = true;
      if (returned && !socket.destroyed) socket.resume();
    });
    returned = true;
    return written; // paused (false) until the queued copy has been sent
  }
}
