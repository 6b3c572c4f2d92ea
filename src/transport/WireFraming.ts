/**
 * How a transport carries the tunnel's units on its connection (every transport but `plain`): the hook
 * `SecureChannel` calls on the bytes it reads and on each unit it sends, so that the tunnel reads the socket
 * in place (no stream layer in between, no copy of the bulk). Implementations are pure (`obfsCodec.ts`,
 * `wsFrame.ts`): bytes in, bytes out, a `TransportError` (`TRANSPORT_FRAMING`) thrown on a violation.
 */
import type { Duplex } from 'node:stream';

export type Unframed = {
  /** The tunnel's bytes are `buf[start, produced)`. */
  produced: number;
  /** Wire bytes up to here were used; `buf[consumed, end)` (an incomplete frame header, at most a few bytes, or
   * an incomplete opening record) must be presented again, followed by what arrives next. */
  consumed: number;
};

export interface WireFraming {
  /**
   * Strips the framing from the wire bytes `buf[start, end)` in place: the tunnel's bytes among them are moved
   * together to start at `start` (a frame's masked payload is unmasked where it lies, a masked length unmasked,
   * padding and frame headers dropped). Throws `TransportError` (`TRANSPORT_FRAMING`) on a violation.
   */
  unframe(buf: Buffer, start: number, end: number): Unframed;
  /**
   * The wire bytes of one tunnel unit (a handshake message or a record: its length field, then its body). The
   * unit's buffers are the caller's own, fresh for this unit: the framing may change them in place (a client's
   * WebSocket mask) and keep them in the result.
   */
  frame(unit: readonly Buffer[]): Buffer[];
  /** Wire bytes the framing must send of its own accord (a pong, a close answer): taken after each `unframe`. */
  takeReplies?(): Buffer[];
  /** Set once the peer said it ends (a WebSocket close frame): what follows is ignored and the stream ends. */
  readonly ended?: boolean;
  /** Wire bytes to send before the local side ends (a WebSocket close frame), if any. */
  end?(): Buffer | undefined;
  /** Optional timing jitter: each batch of writes waits a uniform 0..jitterMs ms. */
  readonly jitterMs?: number;
}

/** A transport's connection, ready for the tunnel: the socket, its framing (none: `plain`), and wire bytes that
 * arrived with the transport's own handshake (to be unframed first). */
export type TransportConnection = { socket: Duplex; framing?: WireFraming; head?: Buffer };
