/**
 * Reads a proxy request from a local application socket: exact byte counts or up to a
 * delimiter, with a size cap and a deadline, then hands back whatever arrived after it.
 */
import type { Socket } from 'node:net';
import type { ErrorCode } from '../errors/codes.ts';
import { ByteQueue } from './ByteQueue.ts';
import { MAX_PROXY_REQUEST_HEAD, PROXY_REQUEST_TIMEOUT_MS, SocksReply } from './constants.ts';
import { ProxyRequestError } from './errors.ts';

export class SocketReader {
  readonly #socket: Socket;
  readonly #queue = new ByteQueue();
  #wake: (() => void) | undefined;
  #ended = false;
  #consumed = 0;
  readonly #timer: NodeJS.Timeout;
  #timedOut = false;

  constructor(socket: Socket, timeoutMs = PROXY_REQUEST_TIMEOUT_MS) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.once('end', this.#onEnd);
    socket.once('close', this.#onEnd);
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#wake?.();
    }, timeoutMs);
  }

  #onData = (chunk: Buffer) => {
    this.#queue.push(chunk);
    if (this.#queue.length + this.#consumed > MAX_PROXY_REQUEST_HEAD) this.#socket.pause();
    this.#wake?.();
  };

  #onEnd = () => {
    this.#ended = true;
    this.#wake?.();
  };

  async #waitFor(predicate: () => boolean): Promise<void> {
    while (!predicate()) {
      if (this.#ended) throw fail('Client closed mid-request', 'TUNNEL_PROXY_TRUNCATED');
      if (this.#timedOut) throw fail('Client request timed out', 'TUNNEL_PROXY_TIMEOUT');
      if (this.#queue.length + this.#consumed > MAX_PROXY_REQUEST_HEAD)
        throw fail('Request too large', 'TUNNEL_PROXY_TOO_LARGE');
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  async read(n: number): Promise<Buffer> {
    await this.#waitFor(() => this.#queue.length >= n);
    this.#consumed += n;
    return this.#queue.take(n);
  }

  /** Reads through the first `delimiter` (included). */
  async readUntil(delimiter: string): Promise<Buffer> {
    let at = -1;
    await this.#waitFor(() => {
      if (this.#queue.length === 0) return false;
      at = this.#queue.peek(this.#queue.length).indexOf(delimiter);
      return at >= 0;
    });
    return this.read(at + delimiter.length);
  }

  /** Stops reading; returns bytes received beyond the request. */
  detach(): Buffer[] {
    clearTimeout(this.#timer);
    this.#socket.off('data', this.#onData);
    this.#socket.off('end', this.#onEnd);
    this.#socket.off('close', this.#onEnd);
    this.#socket.pause();
    return this.#queue.drain();
  }
}

function fail(message: string, code: ErrorCode): ProxyRequestError {
  return new ProxyRequestError(message, { code, meta: { reply: SocksReply.generalFailure } });
}
