/**
 * A byte stream carried in a transport's own frames over a socket: what the tunnel's
 * `SecureChannel` runs on for every transport but `plain`. The framing is a `FrameCodec`
 * (pure: bytes in, bytes out, throws on violation); this class only moves bytes and keeps
 * back-pressure in both directions (socket full → writes wait; reader slow → socket paused).
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TRANSPORT_HIGH_WATER_MARK } from './constants.ts';
import { TransportError } from './errors.ts';

export type FrameCodec = {
  /** Frames the payload chunks written in one go (one writev): the wire bytes to send. */
  encode(chunks: readonly Buffer[]): Buffer[];
  /** Takes wire bytes; returns the payload decoded so far. Throws a `TransportError` on a violation. */
  decode(chunk: Buffer): Buffer[];
  /** Wire bytes to send when the local side ends (a WebSocket close frame), if any. */
  end?(): Buffer | undefined;
  /** Set by `decode` once the peer said it ends (a close frame): the stream then ends. */
  readonly ended?: boolean;
  /** Wire bytes the codec must send of its own accord (a pong), drained after each `decode`. */
  takeReplies?(): Buffer[];
};

export type FramedStreamOptions = {
  /** Wire bytes that arrived with the transport's handshake, decoded first. */
  head?: Buffer;
  /** Optional timing jitter: each batch of writes waits a uniform 0..jitterMs ms. */
  jitterMs?: number;
};

export class FramedStream extends Duplex {
  readonly socket: Socket;
  readonly #codec: FrameCodec;
  readonly #jitterMs: number;

  constructor(socket: Socket, codec: FrameCodec, options: FramedStreamOptions = {}) {
    super({
      allowHalfOpen: true,
      readableHighWaterMark: TRANSPORT_HIGH_WATER_MARK,
      writableHighWaterMark: TRANSPORT_HIGH_WATER_MARK,
    });
    this.socket = socket;
    this.#codec = codec;
    this.#jitterMs = options.jitterMs ?? 0;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    if (options.head && options.head.length > 0) this.#onData(options.head);
    socket.resume();
  }

  #onData = (chunk: Buffer) => {
    if (this.destroyed) return;
    let payload: Buffer[];
    try {
      payload = this.#codec.decode(chunk);
    } catch (error) {
      this.destroy(error as Error);
      return;
    }
    const replies = this.#codec.takeReplies?.() ?? [];
    for (const reply of replies) this.socket.write(reply);
    let room = true;
    for (const piece of payload) room = this.push(piece) && room;
    if (!room) this.socket.pause();
    if (this.#codec.ended) this.#onEnd();
  };

  #ended = false;
  #onEnd = () => {
    if (this.#ended) return;
    this.#ended = true;
    this.push(null);
  };
  #onError = (error: Error) => this.destroy(error);
  #onClose = () => {
    if (!this.#ended) {
      this.destroy(new TransportError('Transport closed mid-stream', { code: 'TRANSPORT_CONNECT_FAILED' }));
    } else if (!this.writableFinished) this.destroy();
  };

  override _read(): void {
    this.socket.resume();
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const wire = this.#codec.encode(chunks.map((c) => c.chunk));
    const send = () => {
      if (this.socket.destroyed) {
        callback(new TransportError('Transport closed', { code: 'TRANSPORT_CONNECT_FAILED' }));
        return;
      }
      this.socket.cork();
      let room = true;
      for (const piece of wire) room = this.socket.write(piece);
      this.socket.uncork();
      if (room) callback();
      else this.socket.once('drain', () => callback());
    };
    if (this.#jitterMs > 0) setTimeout(send, Math.random() * this.#jitterMs);
    else send();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const last = this.#codec.end?.();
    if (last) this.socket.write(last);
    this.socket.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.off('data', this.#onData);
    this.socket.off('end', this.#onEnd);
    this.socket.off('close', this.#onClose);
    this.socket.destroy();
    callback(error);
  }
}
