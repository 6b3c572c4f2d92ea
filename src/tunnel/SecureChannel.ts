/**
 * An authenticated, encrypted record channel over any duplex byte stream (a `net.Socket`,
 * or a mux stream of the previous hop). Runs the Noise IK handshake (`noiseIK.ts`), then
 * exchanges AEAD records: `len(3, big-endian) ‖ ChaCha20-Poly1305(plaintext, ad = len)`.
 * The length is authenticated (associated data), not encrypted. Any bad tag, oversized
 * length or truncated input closes the channel with a typed error; nothing throws out. Over an
 * obfuscated transport the channel runs on the socket itself, through the transport's `WireFraming`:
 * each unit sent is framed whole, and the bytes read are unframed where they lie (in the receive area,
 * or in the socket's own chunks) before the records are taken out of them.
 *
 * Clear records (`clearRecords`): on a connection whose own TLS ends at the peer (wss with `bind=1`), the
 * handshake's prologue carries that TLS session's exporter, so it fails if anyone terminates TLS in between,
 * and the records are then `len(3) ‖ plaintext`: TLS already encrypts and authenticates them (`docs/tunnel.md`
 * §2, `docs/transports.md` "Channel binding and clear records").
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Unframed, WireFraming } from '../transport/WireFraming.ts';
import { ByteQueue } from './ByteQueue.ts';
import './gcTuning.ts';
import type { CipherState } from './CipherState.ts';
import {
  HANDSHAKE_TIMEOUT_MS,
  MAX_HANDSHAKE_MESSAGE,
  MAX_HANDSHAKE_PAYLOAD,
  MAX_RECORD_PLAINTEXT,
  RECORD_HEADER_LEN,
  REKEY_AFTER_RECORDS,
  SOCKET_HIGH_WATER_MARK,
  TAG_LEN,
} from './constants.ts';
import { HandshakeError, RecordError } from './errors.ts';
import { initiatorStart, MIN_MESSAGE1, MIN_MESSAGE2, type NoiseResult, responderRead } from './noiseIK.ts';
import { ReceiveArea } from './ReceiveArea.ts';
import type { StaticKeyPair } from './x25519.ts';

/**
 * Where a record that spans several transport chunks is gathered before decryption: one for the
 * whole process, since decryption is synchronous and copies out (a 64 KiB record read in 64 KiB
 * socket chunks nearly always spans two, so this saves a 64 KiB allocation per record).
 */
const gatherScratch = Buffer.allocUnsafe(MAX_RECORD_PLAINTEXT + TAG_LEN);

/** Largest record on the wire: header, one full mux frame, tag. */
export const MAX_RECORD_WIRE = RECORD_HEADER_LEN + MAX_RECORD_PLAINTEXT + TAG_LEN;
/**
 * Receive area of a socket read in place (`createReceiveArea`): 4 records. Reads fill what is
 * left behind the unconsumed tail (up to ~190 KiB per read: fewer read syscalls than 64 KiB
 * chunks); the tail is moved to the front once less than one record of room is left.
 */
const RECEIVE_AREA_SIZE = 4 * MAX_RECORD_WIRE;
/**
 * How many written bytes may wait in the transport before `send` asks for back-pressure: twice the
 * socket's high-water mark, so that the records of one tick (written corked, flushed together) do
 * not trip it — the transport's own `drain` still follows whenever this is exceeded.
 */
const CHANNEL_SEND_BUFFER = 2 * SOCKET_HIGH_WATER_MARK;

/**
 * A receive area for a socket that will carry a `SecureChannel`: pass `area.onread` to
 * `net.connect`, then the area to `SecureChannel.open`. Records are then decrypted straight out
 * of the socket's reads (no allocation per read, no gathering copy).
 */
export function createReceiveArea(): ReceiveArea {
  return new ReceiveArea(RECEIVE_AREA_SIZE, MAX_RECORD_WIRE);
}

export type SecureChannelEvents = {
  /** One decrypted record. The buffer is owned by the listener. */
  record: [plaintext: Buffer];
  /** The transport accepted all queued bytes; `send()` may be called again. */
  drain: [];
  /** The channel is closed; `error` is set unless it was a clean close. */
  close: [error?: Error];
};

export type SecureChannelParameters = {
  transport: Duplex;
  localStatic: StaticKeyPair;
  /** Set on the initiator (client): the responder's static public key, known in advance. */
  remoteStatic?: Buffer;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** The transport is a socket connected with this area's `onread` (see `createReceiveArea`). */
  receiveArea?: ReceiveArea;
  /** How the transport frames the tunnel's units on `transport` (an obfuscated transport's); none for `plain`. */
  framing?: WireFraming;
  /** Wire bytes that arrived before the channel (with the transport's own handshake): read first. */
  head?: Buffer;
  /** Initiator: message 1's payload (a session proposal), encrypted to `remoteStatic`. */
  payload?: Buffer;
  /**
   * Bytes mixed into the handshake's prologue after the protocol's own (Noise spec §6): the exporter of the TLS
   * session the channel runs on (wss with `bind=1`). Both ends must give the same, or the handshake fails.
   */
  prologue?: Buffer;
  /**
   * After the handshake, records without AEAD (`len(3) ‖ plaintext`): only where the connection's own TLS ends
   * at the peer and the handshake is bound to it (`prologue` = its exporter; required, ≥ 32 bytes).
   */
  clearRecords?: boolean;
  /**
   * Responder: what message 2 carries, given message 1's payload and the initiator's authenticated static
   * key (runs inside the handshake's deadline; a throw fails the handshake). Empty when unset.
   */
  answer?: (payload: Buffer, remoteStatic: Buffer) => Promise<Buffer>;
};

/** Records kept for a session that does not exist yet (see `#held`): a few control frames, never a stream. */
const MAX_HELD_RECORDS = 16;
/** Shortest prologue that may bind clear records: a TLS exporter of 32 bytes (`wss.ts`). */
const MIN_BINDING_LEN = 32;

/**
 * A clear record, `len(3) ‖ plaintext`, in one fresh buffer: the caller may reuse its parts once `send`
 * returns (the exit's shared read buffer), as it may with AEAD, whose ciphertext is a new buffer too.
 */
function clearRecord(parts: readonly Buffer[], length: number): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER_LEN + length);
  record.writeUIntBE(length, 0, RECORD_HEADER_LEN);
  let at = RECORD_HEADER_LEN;
  for (const part of parts) at += part.copy(record, at);
  return record;
}

export class SecureChannel extends EventEmitter<SecureChannelEvents> {
  readonly transport: Duplex;
  /** Authenticated static key of the peer (after `open()`). */
  remoteStatic: Buffer = Buffer.alloc(0);
  /** The payload of the peer's handshake message: the answer on the initiator, the proposal on the responder. */
  handshakePayload: Buffer = Buffer.alloc(0);
  /**
   * Records' bytes written to the transport, as the transport counts them (`writableLength`: a framing's masks
   * and padding included), and the tunnel's bytes read from it (handshake and records, headers included).
   */
  bytesWritten = 0;
  bytesRead = 0;
  closed = false;
  /** Records are `len(3) ‖ plaintext` (a bound wss connection's own TLS protects them), not AEAD. */
  readonly clearRecords: boolean;
  /** Bytes a record adds to its plaintext after the header: the AEAD tag, or none for clear records. */
  readonly #tagLength: number;
  /** Set once the handshake is done (with clear records the keys are not used: they only say that it is). */
  #send: CipherState | undefined;
  #receive: CipherState | undefined;
  readonly #queue = new ByteQueue();
  #onHandshakeMessage: ((message: Buffer) => void) | undefined;
  /** Lengths the awaited handshake message may have (its fixed part, plus at most `MAX_HANDSHAKE_PAYLOAD`). */
  #handshakeLength = { min: 0, max: 0 };
  readonly #area: ReceiveArea | undefined;
  readonly #framing: WireFraming | undefined;
  /** Wire bytes of a chunk the framing could not use yet (a cut length field): read before the next chunk. */
  #carry: Buffer | undefined;
  /** Bytes the last `#onArea` call left in the area (a record's head): counted in `bytesRead` already. */
  #areaLeft = 0;
  #corked = false;
  /**
   * Records that arrived before anyone listened: the peer may speak first, in the same read as the
   * handshake's last message, before the session over this channel exists (the provider's first
   * session-window grant). Handed over when the first `record` listener is added.
   */
  #held: Buffer[] = [];

  private constructor(transport: Duplex, area?: ReceiveArea, framing?: WireFraming, clearRecords = false) {
    super();
    this.transport = transport;
    this.clearRecords = clearRecords;
    this.#tagLength = clearRecords ? 0 : TAG_LEN;
    this.#area = area;
    this.#framing = framing;
    area?.attach(this.#onArea, framing ? this.#unframeArea : undefined);
    transport.on('data', this.#onData);
    transport.on('drain', this.#onDrain);
    transport.on('error', this.#onError);
    transport.on('close', this.#onClose);
    transport.on('end', this.#onEnd);
    (this as unknown as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'record' && this.#held.length > 0) queueMicrotask(() => this.#releaseHeld());
    });
    // A transport's socket comes paused from its own handshake.
    if (framing) transport.resume();
  }

  /**
   * Runs the handshake over `transport` and resolves with an open channel. Initiator when
   * `remoteStatic` is given, responder otherwise. Rejects with `HandshakeError` (and destroys
   * the transport) on a wrong key, malformed message, timeout or abort.
   */
  static async open(params: SecureChannelParameters): Promise<SecureChannel> {
    if (params.clearRecords && (params.prologue?.length ?? 0) < MIN_BINDING_LEN) {
      params.transport.destroy();
      throw new HandshakeError('Clear records need a channel binding', {
        code: 'TUNNEL_HANDSHAKE_FAILED',
        details: 'clear records are only for a connection whose TLS exporter is the prologue',
      });
    }
    const channel = new SecureChannel(params.transport, params.receiveArea, params.framing, params.clearRecords);
    try {
      await channel.#handshake(params);
      return channel;
    } catch (error) {
      channel.#fail(error as Error);
      throw error;
    }
  }

  async #handshake({
    localStatic,
    remoteStatic,
    signal,
    timeoutMs = HANDSHAKE_TIMEOUT_MS,
    payload,
    answer,
    head,
    prologue,
  }: SecureChannelParameters) {
    const min = remoteStatic ? MIN_MESSAGE2 : MIN_MESSAGE1;
    this.#handshakeLength = { min, max: min + MAX_HANDSHAKE_PAYLOAD };
    const messages: Buffer[] = [];
    let wake: (() => void) | undefined;
    let failure: Error | undefined;
    let rejectFailed: (error: Error) => void = () => {};
    // Settles with the handshake's failure (timeout, abort, peer gone): what the answer is raced against.
    const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
    failed.catch(() => {});
    const fail = (error: Error) => {
      failure ??= error;
      rejectFailed(failure);
      wake?.();
    };
    this.#onHandshakeMessage = (message) => {
      messages.push(message);
      wake?.();
    };
    const onClose = (error?: Error) =>
      fail(new HandshakeError('Peer closed during handshake', { code: 'TUNNEL_HANDSHAKE_CLOSED', cause: error }));
    this.once('close', onClose);
    const timer = setTimeout(
      () => fail(new HandshakeError('Handshake timed out', { code: 'TUNNEL_HANDSHAKE_TIMEOUT' })),
      timeoutMs,
    );
    const onAbort = () => fail(new HandshakeError('Handshake aborted', { code: 'TUNNEL_ABORTED' }));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    // What came with the transport's own handshake (or before this handshake began) is read first.
    if (head && head.length > 0) this.#onData(head);
    else if (this.#queue.length > 0) this.#decodeHandshake();
    const next = async (): Promise<Buffer> => {
      while (messages.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
      return messages.shift() as Buffer;
    };
    try {
      let result: NoiseResult;
      if (remoteStatic) {
        const start = initiatorStart(localStatic, remoteStatic, undefined, payload, prologue);
        this.#writeHandshake(start.message);
        result = start.finish(await next());
      } else {
        const read = responderRead(localStatic, await next(), prologue);
        const reply = answer ? await Promise.race([answer(read.payload, read.remoteStatic), failed]) : undefined;
        if (failure) throw failure;
        const response = read.respond(reply);
        this.#writeHandshake(response.message);
        result = { ...response.result, payload: read.payload };
      }
      this.#send = result.send;
      this.#receive = result.receive;
      this.remoteStatic = result.remoteStatic;
      this.handshakePayload = result.payload;
      this.#onHandshakeMessage = undefined;
      if (this.#queue.length > 0) queueMicrotask(() => this.#decodeRecords());
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.off('close', onClose);
    }
  }

  #writeHandshake(message: Buffer): void {
    const header = Buffer.alloc(2);
    header.writeUInt16BE(message.length);
    const unit = Buffer.concat([header, message]);
    if (!this.#framing) {
      this.transport.write(unit);
      return;
    }
    // The transport's first flight leaves in one write (its size is what a censor sees first).
    this.#write(this.#framing.frame([unit]));
    if (!this.#framing.jitterMs) this.#uncork();
  }

  /**
   * Writes `pieces` corked until the current tick's callbacks and microtasks are done (or, with the transport's
   * timing jitter, a uniform 0..jitterMs ms later), so that what is sent in one go leaves in one writev.
   */
  #write(pieces: readonly Buffer[]): void {
    const transport = this.transport;
    if (!this.#corked) {
      this.#corked = true;
      transport.cork();
      const jitter = this.#framing?.jitterMs ?? 0;
      if (jitter > 0) setTimeout(this.#uncork, Math.random() * jitter);
      else process.nextTick(this.#uncork);
    }
    for (const piece of pieces) transport.write(piece);
  }

  /**
   * Sends the concatenation of `parts` as one record (total ≤ `MAX_RECORD_PLAINTEXT`). The
   * transport stays corked until the current tick's callbacks and microtasks are done, so every
   * record sent in one go — the frames of one exit read, a burst of payment ticks, a WINDOW_UPDATE
   * — leaves in one writev. Returns false when more than `CHANNEL_SEND_BUFFER` bytes wait:
   * stop sending until `drain`.
   */
  send(parts: readonly Buffer[]): boolean {
    const cipher = this.#send;
    if (this.closed || !cipher) return false;
    let length = 0;
    for (const part of parts) length += part.length;
    if (length > MAX_RECORD_PLAINTEXT) {
      throw new RecordError('Record too large', { code: 'TUNNEL_RECORD_TOO_LARGE', meta: { length } });
    }
    let record: Buffer[];
    if (this.clearRecords) record = [clearRecord(parts, length)];
    else {
      const header = Buffer.allocUnsafe(RECORD_HEADER_LEN);
      header.writeUIntBE(length + TAG_LEN, 0, RECORD_HEADER_LEN);
      record = cipher.encryptParts(header, parts);
      if (cipher.nonceNumber >= REKEY_AFTER_RECORDS) cipher.rekey();
      record.unshift(header);
    }
    if (this.#framing) {
      const wire = this.#framing.frame(record);
      this.#write(wire);
      // The transport's bytes (its masks and padding too): what its `writableLength` counts.
      for (const piece of wire) this.bytesWritten += piece.length;
    } else {
      this.#write(record);
      this.bytesWritten += RECORD_HEADER_LEN + length + this.#tagLength;
    }
    return this.transport.writableLength < CHANNEL_SEND_BUFFER;
  }

  #uncork = () => {
    if (!this.#corked) return;
    this.#corked = false;
    this.transport.uncork();
  };

  /** Writes what this tick has sent so far now (latency-critical records: an OPEN). */
  flush(): void {
    this.#uncork();
  }

  /** True when the transport has room (no pending `drain`). */
  get writable(): boolean {
    return !this.closed && this.transport.writableLength < CHANNEL_SEND_BUFFER;
  }

  /** Stops reading from the transport (receive-side back-pressure). */
  pause(): void {
    this.transport.pause();
  }

  resume(): void {
    this.transport.resume();
  }

  /** Closes the channel: flushes and ends the transport, or destroys it when `error` is set. */
  close(error?: Error): void {
    if (error) this.#fail(error);
    else if (!this.closed) {
      this.#uncork();
      this.transport.end();
    }
  }

  /** Wire bytes from the transport's `data` events (or its handshake's head). */
  #onData = (chunk: Buffer) => {
    if (this.closed) return;
    if (!this.#framing) {
      this.#onTunnelBytes(chunk);
      return;
    }
    // The chunk is ours (a socket read, or a TLS record's plaintext): unframed where it lies.
    const wire = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = undefined;
    const { produced, consumed } = this.#unframe(wire, 0, wire.length);
    if (this.closed) return;
    if (consumed < wire.length) this.#carry = wire.subarray(consumed);
    if (produced > 0) this.#onTunnelBytes(wire.subarray(0, produced));
  };

  /** The framing's `unframe`; a violation fails the channel (everything counts as used). */
  #unframe(buf: Buffer, start: number, end: number): Unframed {
    try {
      return (this.#framing as WireFraming).unframe(buf, start, end);
    } catch (error) {
      this.#fail(error as Error);
      return { produced: start, consumed: end };
    }
  }

  #unframeArea = (area: Buffer, start: number, end: number): Unframed =>
    this.closed ? { produced: start, consumed: end } : this.#unframe(area, start, end);

  /** The tunnel's bytes (a transport's framing removed), in order. */
  #onTunnelBytes(chunk: Buffer): void {
    this.bytesRead += chunk.length;
    this.#queue.push(chunk);
    if (this.#onHandshakeMessage) this.#decodeHandshake();
    else if (this.#receive) this.#decodeRecords();
  }

  /**
   * Bytes read in place into the receive area. Records are decrypted where they lie; an incomplete
   * record is left in the area (the next read lands right behind it). Handshake bytes, and anything
   * while older bytes wait in the queue, take the copying path so that order is kept.
   */
  #onArea = (area: Buffer, start: number, end: number): number => {
    if (this.closed) return end;
    const cipher = this.#receive;
    if (!cipher || this.#onHandshakeMessage || this.#queue.length > 0) {
      // Counted again as a whole below (what the area held from the last call included).
      this.bytesRead -= this.#areaLeft;
      this.#areaLeft = 0;
      if (end > start) this.#onTunnelBytes(Buffer.from(area.subarray(start, end)));
      return end;
    }
    // What the area still held from the last call was counted then: only what arrived since is new.
    this.bytesRead += end - start - this.#areaLeft;
    const tagLength = this.#tagLength;
    while (!this.closed && end - start >= RECORD_HEADER_LEN) {
      const length = area.readUIntBE(start, RECORD_HEADER_LEN);
      if (length < tagLength || length > MAX_RECORD_PLAINTEXT + tagLength) {
        this.#fail(
          new RecordError('Record length out of range', { code: 'TUNNEL_RECORD_TOO_LARGE', meta: { length } }),
        );
        return end;
      }
      const recordEnd = start + RECORD_HEADER_LEN + length;
      if (recordEnd > end) break;
      let plaintext: Buffer;
      // A clear record is copied out: the area is reused by the next read.
      if (this.clearRecords) plaintext = Buffer.from(area.subarray(start + RECORD_HEADER_LEN, recordEnd));
      else {
        try {
          plaintext = cipher.decryptWithAd(
            area.subarray(start, start + RECORD_HEADER_LEN),
            area.subarray(start + RECORD_HEADER_LEN, recordEnd),
          );
        } catch (error) {
          this.#fail(error as Error);
          return end;
        }
        if (cipher.nonceNumber >= REKEY_AFTER_RECORDS) cipher.rekey();
      }
      start = recordEnd;
      this.#deliver(plaintext);
    }
    if (this.closed) return end;
    this.#areaLeft = end - start;
    return start;
  };

  #decodeHandshake(): void {
    while (this.#onHandshakeMessage && this.#queue.length >= 2) {
      const length = this.#queue.peek(2).readUInt16BE(0);
      // IK messages have a fixed part (96 then 48 bytes) and a bounded payload: anything else is not a peer.
      if (length < this.#handshakeLength.min || length > this.#handshakeLength.max || length > MAX_HANDSHAKE_MESSAGE) {
        this.#fail(new HandshakeError('Malformed handshake framing', { code: 'TUNNEL_HANDSHAKE_MALFORMED' }));
        return;
      }
      if (this.#queue.length < 2 + length) return;
      this.#queue.take(2);
      const handler = this.#onHandshakeMessage;
      this.#onHandshakeMessage = undefined;
      handler(this.#queue.take(length));
    }
  }

  #decodeRecords(): void {
    const cipher = this.#receive as CipherState;
    const tagLength = this.#tagLength;
    while (!this.closed && this.#queue.length >= RECORD_HEADER_LEN) {
      const header = this.#queue.peek(RECORD_HEADER_LEN);
      const length = header.readUIntBE(0, RECORD_HEADER_LEN);
      if (length < tagLength || length > MAX_RECORD_PLAINTEXT + tagLength) {
        this.#fail(
          new RecordError('Record length out of range', { code: 'TUNNEL_RECORD_TOO_LARGE', meta: { length } }),
        );
        return;
      }
      if (this.#queue.length < RECORD_HEADER_LEN + length) return;
      const ad = this.#queue.take(RECORD_HEADER_LEN);
      let plaintext: Buffer;
      // A clear record is handed over where it lies (a transport's chunks are ours), gathered only when it spans them.
      if (this.clearRecords) plaintext = length > 0 ? this.#queue.take(length) : Buffer.alloc(0);
      else {
        try {
          plaintext = cipher.decryptWithAd(ad, this.#queue.takeTransient(length, gatherScratch));
        } catch (error) {
          this.#fail(error as Error);
          return;
        }
        if (cipher.nonceNumber >= REKEY_AFTER_RECORDS) cipher.rekey();
      }
      this.#deliver(plaintext);
    }
  }

  #deliver(plaintext: Buffer): void {
    if (this.#held.length === 0 && this.listenerCount('record') > 0) {
      this.emit('record', plaintext);
      return;
    }
    if (this.#held.length >= MAX_HELD_RECORDS) {
      this.#fail(new RecordError('Records arrived with nobody to read them', { code: 'TUNNEL_MUX_PROTOCOL' }));
      return;
    }
    this.#held.push(plaintext);
  }

  #releaseHeld(): void {
    while (this.#held.length > 0 && !this.closed && this.listenerCount('record') > 0)
      this.emit('record', this.#held.shift() as Buffer);
  }

  #onDrain = () => this.emit('drain');
  #onError = (error: Error) => this.#fail(error);
  #onEnd = () => {
    if (this.#queue.length > 0 || (this.#area?.pending ?? 0) > 0 || this.#carry) {
      this.#fail(new RecordError('Truncated record at end of stream', { code: 'TUNNEL_TRUNCATED' }));
    } else this.#finish();
  };
  #onClose = () => this.#finish();

  #fail(error: Error): void {
    if (this.closed) return;
    this.transport.destroy();
    this.#finish(error);
  }

  #finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.#onHandshakeMessage = undefined;
    this.transport.off('data', this.#onData);
    this.transport.off('drain', this.#onDrain);
    this.transport.off('end', this.#onEnd);
    this.transport.off('close', this.#onClose);
    this.#area?.attach(undefined);
    // Keep an error listener so a late transport error cannot crash the process.
    this.transport.on('error', () => {});
    if (!this.transport.destroyed) this.transport.destroy();
    this.emit('close', error);
  }
}
