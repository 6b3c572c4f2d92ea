/**
 * Reads exact byte counts from a socket, for the short binary exchanges in front of a stream (the Extended
 * ORPort's, SOCKS5's), then hands the socket back with what arrived beyond them.
 */
import type { Socket } from 'node:net';

export class ExactReader {
  #chunks: Buffer[] = [];
  #length = 0;
  #wake: (() => void) | undefined;
  #ended = false;
  readonly #socket: Socket;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
  }

  #onData = (chunk: Buffer) => {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    this.#wake?.();
  };

  #onEnd = () => {
    this.#ended = true;
    this.#wake?.();
  };

  async read(n: number): Promise<Buffer> {
    while (this.#length < n) {
      if (this.#ended) throw new Error('closed during the exchange');
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const all = Buffer.concat(this.#chunks);
    this.#chunks = [all.subarray(n)];
    this.#length -= n;
    return all.subarray(0, n);
  }

  /** Stops reading; returns what arrived beyond the exchange. */
  detach(): Buffer {
    this.#socket.pause();
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    return Buffer.concat(this.#chunks);
  }
}
