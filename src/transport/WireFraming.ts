/**
 * How a transport carries the tunnel's units on its connection (obfs): the hook `SecureChannel` calls on the
 * bytes it reads and on each unit it sends, so that the tunnel reads the socket in place (no stream layer in
 * between, no copy of the bulk). Implementations are pure (`obfsCodec.ts`): bytes in, bytes out, a
 * `TransportError` (`TRANSPORT_FRAMING`) thrown on a violation.
 */
import type { Duplex } from 'node:stream';

export type Unframed = {
  /** The tunnel's bytes are `buf[start, produced)`. */
  produced: number;
  /** Wire bytes up to here were used; `buf[consumed, end)` (an incomplete length field, or an incomplete first
   * record) must be presented again, followed by what arrives next. */
  consumed: number;
};

export interface WireFraming {
  /**
   * Strips the framing from the wire bytes `buf[start, end)` in place: the tunnel's bytes among them are moved
   * together to start at `start` (a masked length unmasked where it lies, padding dropped). Throws
   * `TransportError` (`TRANSPORT_FRAMING`) on a violation.
   */
  unframe(buf: Buffer, start: number, end: number): Unframed;
  /**
   * The wire bytes of one tunnel unit (a handshake message or a record: its length field, then its body). The
   * unit's buffers are the caller's own, fresh for this unit: the framing may keep them in the result.
   */
  frame(unit: readonly Buffer[]): Buffer[];
  /** Optional timing jitter: each batch of writes waits a uniform 0..jitterMs ms. */
  readonly jitterMs?: number;
}

/** A transport's connection, ready for the tunnel: the socket (or a transport's own stream: wss), its framing
 * (obfs), wire bytes that arrived with the transport's own handshake (to be unframed first), and the TLS session's
 * exporter when its TLS ends at the listener itself (wss with `bind=1`): the tunnel's prologue, and clear records. */
export type TransportConnection = { socket: Duplex; framing?: WireFraming; head?: Buffer; binding?: Buffer };
