/**
 * The stream multiplexer over one `SecureChannel`: OPEN / OPEN_RESULT / DATA /
 * WINDOW_UPDATE / CLOSE / RESET frames, per-stream credit, a session `ByteMeter`, the
 * provider's `SendGate` and optional shared `RateLimiter` (its capacity), PAYMENT frames for the
 * payment layer (never gated), PING / PONG for liveness, and REPORT (the provider's send back-pressure
 * toward the client, answered to a PING that asks for it: once per PING, nothing per chunk). The client opens streams (odd ids);
 * the provider answers each OPEN through the `onOpen` handler (exit or relay).
 *
 * UDP flows (`openFlow`, OPEN of kind UDP) share the id space; their DATAGRAM frames bypass stream and
 * session credit (no head-of-line blocking behind TCP streams) but are metered like DATA, held by the
 * gate and the limiter (dropped, not queued, when those say no), and go out before any blocked stream
 * when the channel drains; what cannot go out waits in one bounded queue per session and is dropped
 * beyond it.
 */
import { EventEmitter } from 'node:events';
import { ByteMeter } from './ByteMeter.ts';
import {
  DEFAULT_SESSION_RECEIVE_WINDOW,
  FLOW_IDLE_TIMEOUT_MS,
  FLOW_QUEUE_DATAGRAMS,
  FrameType,
  MAX_CONNECTING_PER_SESSION,
  MAX_DATAGRAM_PAYLOAD,
  MAX_FLOWS_PER_SESSION,
  MAX_PAYMENT_PAYLOAD,
  MAX_STREAM_ID,
  MAX_STREAM_WINDOW,
  MAX_STREAMS_PER_SESSION,
  OPEN_TIMEOUT_MS,
  OpenKind,
  OpenReply,
  PING_REPORT_FLAG,
  SESSION_DATAGRAM_QUEUE_BYTES,
  SocksReply,
} from './constants.ts';
import { MuxError, OpenError } from './errors.ts';
import { MuxFlow, type MuxFlowHost } from './MuxFlow.ts';
import { MuxStream, type MuxStreamHost } from './MuxStream.ts';
import {
  type Destination,
  decodeFrame,
  decodeOpen,
  decodeReport,
  encodeFrameHeader,
  encodeOpen,
  encodeReport,
  type SendReport,
} from './muxFrame.ts';
import type { RateLimiter, RateWaiter } from './RateLimiter.ts';
import type { SecureChannel } from './SecureChannel.ts';
import { SendGate } from './SendGate.ts';

/** Provider side: decides an OPEN. Resolve to accept (the stream is then spliced by the handler). */
export type OpenHandler = (request: { kind: OpenKind } & Destination, stream: MuxStream) => void;

/** Provider side: decides a UDP flow's OPEN; answers it with `session.answerFlow`. */
export type FlowHandler = (destination: Destination, flow: MuxFlow) => void;

/**
 * Provider side: whether an OPEN may be served now — undefined, or the error that ends the session (an
 * OPEN before the session was paid for is a protocol violation, not a refusal).
 */
export type OpenPolicy = () => Error | undefined;

export type MuxSessionParameters = {
  channel: SecureChannel;
  /** Present on the side that accepts streams (provider). */
  onOpen?: OpenHandler;
  /** Provider side: UDP flows (absent: a flow OPEN is answered 0x07, command not supported). */
  onFlow?: FlowHandler;
  /** A flow idle this long is closed (default `FLOW_IDLE_TIMEOUT_MS`). */
  flowIdleMs?: number;
  /** Bytes per meter event (default 64 KiB). */
  meterTickBytes?: number;
  /** The provider's capacity, shared by its sessions (`setWeight` sets this session's share under contention). */
  limiter?: RateLimiter;
  /** Provider side: received DATA buffered over every session of the process (shared, counted here). */
  receiveBuffers?: ReceiveBuffers;
};

/** Received DATA buffered at the exit over a set of sessions (a shared, mutable count). */
export type ReceiveBuffers = { bytes: number };

/**
 * Provider side: how many DATA bytes the client may have outstanding (granted and not yet received)
 * right now, over all its streams. Re-read after every DATA frame and whenever `refreshReceiveWindow()`
 * is called; a larger value is granted with a WINDOW_UPDATE on stream 0.
 */
export type ReceiveLimit = () => number;

export type MuxSessionEvents = {
  close: [error?: Error];
  /** A PAYMENT frame arrived (the payload is owned by the listener). */
  payment: [payload: Buffer];
  /** A WINDOW_UPDATE is on its way to the peer: a payment sent now shares its write (and the peer's wake-up). */
  windowUpdate: [];
  /** Client side: the provider's REPORT, answering `ping(…, { report: true })`. */
  report: [report: SendReport];
};

export class MuxSession extends EventEmitter<MuxSessionEvents> {
  readonly channel: SecureChannel;
  /** Payload bytes over all streams: `sent` and `received` from this side's point of view. */
  readonly meter: ByteMeter;
  /** Closing it stops outgoing DATA frames (provider: pause a client that has not paid). */
  readonly gate = new SendGate();
  readonly streams = new Map<number, MuxStream>();
  readonly flows = new Map<number, MuxFlow>();
  /** Datagrams this session dropped (queue full, gate closed, limiter empty, unknown or unopened flow). */
  readonly datagrams = { dropped: 0, queuedBytes: 0, queuedPeak: 0 };
  closed = false;
  readonly #onOpen: OpenHandler | undefined;
  readonly #onFlow: FlowHandler | undefined;
  readonly #flowIdleMs: number;
  readonly #flowHost: MuxFlowHost;
  /** Datagrams waiting for channel room, oldest first (bounded by `SESSION_DATAGRAM_QUEUE_BYTES`). */
  #datagramQueue: { flow: MuxFlow; payload: Buffer }[] = [];
  readonly #blocked = new Set<MuxStream>();
  readonly #opening = new Map<number, { resolve: (reply: number) => void }>();
  #nextId = 1;
  readonly #host: MuxStreamHost;
  readonly #limiter: RateLimiter | undefined;
  readonly #waiter: RateWaiter;
  readonly #pings = new Map<bigint, (answered: boolean) => void>();
  /** When the session started (monotonic ms): a REPORT's clock. */
  readonly #startedAt = performance.now();
  #nextPing = 0n;
  /** Client side: DATA bytes the provider still lets us send (its grants minus what we sent). */
  #sessionSendWindow: number;
  /** Provider side: DATA bytes granted to the client and not received yet. */
  #receiveOutstanding = 0;
  /** Provider side: received DATA still buffered in streams (not yet taken by their consumers). */
  #buffered = 0;
  /** Provider side: streams whose OPEN is being connected (not answered yet). */
  readonly #connecting = new Set<number>();
  /** Provider side: the process's receive buffers this session counts into. */
  readonly receiveBuffers: ReceiveBuffers;
  /** Provider side: see `ReceiveLimit`; the payment layer sets it (the default grants a fixed window). */
  receiveLimit: ReceiveLimit = () => DEFAULT_SESSION_RECEIVE_WINDOW;
  /** Provider side: decides whether an OPEN may be served (the payment layer sets it). */
  openPolicy: OpenPolicy | undefined;

  constructor({ channel, onOpen, onFlow, flowIdleMs, meterTickBytes, limiter, receiveBuffers }: MuxSessionParameters) {
    super();
    this.channel = channel;
    this.meter = new ByteMeter(meterTickBytes);
    this.#onOpen = onOpen;
    this.#onFlow = onFlow;
    this.#flowIdleMs = flowIdleMs ?? FLOW_IDLE_TIMEOUT_MS;
    this.#flowHost = {
      sendDatagram: (flow, payload) => this.#sendDatagram(flow, payload),
      closeFlow: (flow, sendClose) => {
        if (this.flows.get(flow.id) !== flow) return;
        this.flows.delete(flow.id);
        this.#connecting.delete(flow.id);
        if (sendClose && !this.closed) this.channel.send([encodeFrameHeader(FrameType.close, flow.id)]);
      },
    };
    this.#limiter = limiter;
    this.#sessionSendWindow = onOpen ? Number.POSITIVE_INFINITY : 0;
    this.receiveBuffers = receiveBuffers ?? { bytes: 0 };
    // The first grant, once whoever owns the session (its payment layer) has set `receiveLimit`.
    if (onOpen) queueMicrotask(() => this.refreshReceiveWindow());
    this.#waiter = { weight: 1, resume: () => this.#flushBlocked() };
    const send = (type: FrameType, stream: MuxStream, payload?: Buffer) => {
      if (this.closed) return;
      const header = encodeFrameHeader(type, stream.id);
      channel.send(payload ? [header, payload] : [header]);
    };
    this.#host = {
      canSendData: () =>
        !this.closed &&
        this.gate.isOpen &&
        channel.writable &&
        this.#sessionSendWindow > 0 &&
        (limiter?.canSend() ?? true),
      sessionSendWindow: () => this.#sessionSendWindow,
      sendData: (stream, parts, length) => {
        limiter?.take(length, this.#waiter);
        this.#sessionSendWindow -= length;
        this.meter.addSent(length);
        channel.send([encodeFrameHeader(FrameType.data, stream.id), ...parts]);
      },
      sendWindowUpdate: (stream, delta) => {
        const payload = Buffer.allocUnsafe(4);
        payload.writeUInt32BE(delta);
        send(FrameType.windowUpdate, stream, payload);
        this.emit('windowUpdate');
      },
      sendClose: (stream) => {
        send(FrameType.close, stream);
        this.#forgetIfFinished(stream);
      },
      sendReset: (stream, reply) => {
        send(FrameType.reset, stream, Buffer.of(reply));
        this.streams.delete(stream.id);
      },
      block: (stream) => {
        this.#blocked.add(stream);
        this.#waitForLimiter(stream);
      },
      release: (stream) => this.#blocked.delete(stream),
      consumed: (bytes) => {
        if (!this.#onOpen || this.closed) return; // teardown releases what is left at once
        this.#buffered -= bytes;
        this.receiveBuffers.bytes -= bytes;
        this.refreshReceiveWindow();
      },
    };
    channel.on('record', this.#onRecord);
    channel.on('drain', this.#flushBlocked);
    this.gate.on('open', this.#flushBlocked);
    channel.once('close', (error) => this.#teardown(error));
  }

  /** Provider side: received DATA still buffered in this session's streams. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Provider side: DATA bytes the client may still send without another grant. */
  get receiveOutstanding(): number {
    return this.#receiveOutstanding;
  }

  /**
   * Provider side: grants the client what `receiveLimit()` allows beyond what is outstanding, in one
   * WINDOW_UPDATE on stream 0 — when that is at least half the limit (or everything was used), so a
   * steady upload costs one grant per half window, not one per frame.
   */
  refreshReceiveWindow(): void {
    if (!this.#onOpen || this.closed) return;
    const limit = Math.min(this.receiveLimit(), MAX_STREAM_WINDOW);
    const delta = limit - this.#receiveOutstanding;
    if (delta <= 0 || (delta < limit / 2 && this.#receiveOutstanding > 0)) return;
    this.#receiveOutstanding += delta;
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(delta);
    this.channel.send([encodeFrameHeader(FrameType.windowUpdate, 0), payload]);
  }

  /** Sets this session's share of the limiter under contention (e.g. once its priority premium is known). */
  setWeight(weight: number): void {
    if (!(weight > 0)) throw new RangeError('a weight must be positive');
    this.#waiter.weight = weight;
  }

  /**
   * Opens a stream to `destination` through the peer (client side). `kind` is CONNECT for
   * the exit, RELAY to reach the next hop's tunnel port. Rejects with `OpenError` carrying the
   * SOCKS5 reply code when the peer refuses or cannot connect.
   *
   * `early`: resolves as soon as the OPEN is sent, without waiting for OPEN_RESULT; what is
   * written to the stream follows the OPEN at once (the exit holds it until it has connected).
   * A refusal then arrives as the stream's failure (it is destroyed with the `OpenError`), and
   * anything written is dropped with it. Saves one round trip through the path per stream.
   */
  async openStream(
    destination: Destination,
    { kind = OpenKind.connect, signal, early = false }: { kind?: OpenKind; signal?: AbortSignal; early?: boolean } = {},
  ): Promise<MuxStream> {
    if (this.closed) throw new MuxError('Session closed', { code: 'TUNNEL_SESSION_CLOSED' });
    if (this.streams.size >= MAX_STREAMS_PER_SESSION || this.#nextId > MAX_STREAM_ID) {
      throw new MuxError('Too many streams', { code: 'TUNNEL_TOO_MANY_STREAMS', details: 'open a new session' });
    }
    const id = this.#nextId;
    this.#nextId += 2;
    const stream = new MuxStream(this.#host, id, destination, 'client');
    this.streams.set(id, stream);
    const replied = new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(SocksReply.ttlExpired), OPEN_TIMEOUT_MS);
      const onAbort = () => resolve(SocksReply.generalFailure);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#opening.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
      });
      this.channel.send([encodeFrameHeader(FrameType.open, id), encodeOpen(kind, destination)]);
      this.channel.flush(); // the exit starts connecting while the application is still talking to us
    });
    const settle = (reply: number): OpenError | undefined => {
      this.#opening.delete(id);
      if (reply === SocksReply.succeeded) {
        stream.opened();
        return undefined;
      }
      const error = openFailure(reply);
      if (this.streams.get(id) === stream) this.streams.delete(id);
      stream.onReset(error);
      return error;
    };
    if (early) {
      void replied.then(settle);
      return stream;
    }
    const error = settle(await replied);
    if (error) throw error;
    return stream;
  }

  /**
   * Opens a UDP flow to `destination` through the peer (client side; the exit resolves and checks it).
   * Returns at once: datagrams sent before the exit answers wait in the flow (at most
   * `FLOW_QUEUE_DATAGRAMS`) and go out when it succeeds; a refusal closes the flow with an `OpenError`
   * (`meta.reply`). Throws `MuxError` when the session is closed or holds `MAX_FLOWS_PER_SESSION` flows.
   */
  openFlow(destination: Destination): MuxFlow {
    if (this.closed) throw new MuxError('Session closed', { code: 'TUNNEL_SESSION_CLOSED' });
    if (this.flows.size >= MAX_FLOWS_PER_SESSION || this.#nextId > MAX_STREAM_ID) {
      throw new MuxError('Too many UDP flows', {
        code: 'TUNNEL_TOO_MANY_FLOWS',
        details: `at most ${MAX_FLOWS_PER_SESSION} per session; close idle ones`,
      });
    }
    const open = encodeOpen(OpenKind.udp, destination); // throws on a bad destination, before any state
    const id = this.#nextId;
    this.#nextId += 2;
    const flow = new MuxFlow(this.#flowHost, id, destination, this.#flowIdleMs);
    this.flows.set(id, flow);
    const timer = setTimeout(() => this.#opening.get(id)?.resolve(SocksReply.ttlExpired), OPEN_TIMEOUT_MS);
    timer.unref();
    this.#opening.set(id, {
      resolve: (reply) => {
        clearTimeout(timer);
        this.#opening.delete(id);
        if (flow.closed) return;
        if (reply === SocksReply.succeeded) {
          flow.opened();
          return;
        }
        this.flows.delete(id);
        flow.onClosed(openFailure(reply));
      },
    });
    flow.once('close', () => this.#opening.get(id)?.resolve(SocksReply.generalFailure));
    this.channel.send([encodeFrameHeader(FrameType.open, id), open]);
    this.channel.flush();
    return flow;
  }

  /** Provider side: answers a flow's OPEN (0 = success, else a reply code). */
  answerFlow(flow: MuxFlow, reply: number): void {
    if (this.closed || flow.closed) return;
    this.#connecting.delete(flow.id);
    this.channel.send([encodeFrameHeader(FrameType.openResult, flow.id), Buffer.of(reply)]);
    if (reply === SocksReply.succeeded) flow.opened();
    else {
      this.flows.delete(flow.id);
      flow.onClosed(new OpenError('Open refused', { code: 'TUNNEL_OPEN_FAILED', meta: { reply } }));
    }
  }

  /**
   * Sends one payment message (stream 0). Payment frames pass a closed gate: a paused client must
   * still be able to pay. Returns false when the session is closed.
   */
  sendPayment(payload: Buffer): boolean {
    if (this.closed) return false;
    if (payload.length === 0 || payload.length > MAX_PAYMENT_PAYLOAD) {
      throw new MuxError('Payment message size out of range', {
        code: 'TUNNEL_MUX_PROTOCOL',
        meta: { length: payload.length },
      });
    }
    this.channel.send([encodeFrameHeader(FrameType.payment, 0), payload]);
    return true;
  }

  /**
   * Round trip of a PING through this session (the peer's mux answers it), in milliseconds, or
   * undefined when no PONG came within `timeoutMs` or the session closed. For a client, a PING on
   * the exit's session crosses every hop: a path that stopped carrying traffic does not answer.
   * `report`: the PING also asks the provider for a REPORT (emitted as `'report'`; a provider that
   * predates it just answers the PING).
   */
  ping(timeoutMs: number, { report = false }: { report?: boolean } = {}): Promise<number | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    // The id counts up from 0 in the low 56 bits; the first byte's top bit is the report request.
    const id = (this.#nextPing++ & 0xff_ffff_ffff_ffffn) | (report ? BigInt(PING_REPORT_FLAG) << 56n : 0n);
    const payload = Buffer.allocUnsafe(8);
    payload.writeBigUInt64BE(id);
    const started = performance.now();
    return new Promise((resolve) => {
      const done = (rtt?: number) => {
        clearTimeout(timer);
        this.#pings.delete(id);
        resolve(rtt);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.#pings.set(id, (answered) => done(answered ? performance.now() - started : undefined));
      this.channel.send([encodeFrameHeader(FrameType.ping, 0), payload]);
      this.channel.flush();
    });
  }

  /**
   * Provider side: what this session has handed to the network toward the client, and what waits in its send
   * buffers (the transport's, and under a framing transport the socket's as well) because the network does
   * not take it. Read once per REPORT: nothing on the data path.
   */
  #sendReport(): SendReport {
    const transport = this.channel.transport as { writableLength: number; socket?: { writableLength?: number } };
    const pendingBytes = transport.writableLength + (transport.socket?.writableLength ?? 0);
    return {
      atMs: performance.now() - this.#startedAt,
      sentBytes: Math.max(0, this.channel.bytesWritten - transport.writableLength),
      pendingBytes,
    };
  }

  /** Provider side: answers an OPEN (0 = success, else a SOCKS5 reply code). */
  answerOpen(stream: MuxStream, reply: number): void {
    if (this.closed) return;
    this.#connecting.delete(stream.id);
    this.channel.send([encodeFrameHeader(FrameType.openResult, stream.id), Buffer.of(reply)]);
    if (reply === SocksReply.succeeded) stream.opened();
    else {
      this.streams.delete(stream.id);
      stream.onReset(new OpenError('Open refused', { code: 'TUNNEL_OPEN_FAILED', meta: { reply } }));
    }
  }

  /** Ends the session: every stream fails, the channel closes. */
  close(error?: Error): void {
    this.channel.close(error);
    this.#teardown(error);
  }

  #onRecord = (record: Buffer) => {
    try {
      this.#handleFrame(record);
    } catch (error) {
      this.close(error as Error);
    }
  };

  #handleFrame(record: Buffer): void {
    const { type, streamId, payload } = decodeFrame(record);
    if (type === FrameType.open) {
      this.#handleOpen(streamId, payload);
      return;
    }
    if (type === FrameType.payment) {
      if (streamId !== 0 || payload.length === 0 || payload.length > MAX_PAYMENT_PAYLOAD) {
        throw protocolError('bad PAYMENT frame');
      }
      this.emit('payment', payload);
      return;
    }
    if (type === FrameType.ping || type === FrameType.pong) {
      if (streamId !== 0 || payload.length !== 8) throw protocolError('bad PING/PONG frame');
      if (type === FrameType.ping) {
        this.channel.send([encodeFrameHeader(FrameType.pong, 0), Buffer.from(payload)]);
        if (this.#onOpen && ((payload[0] as number) & PING_REPORT_FLAG) !== 0) {
          this.channel.send([encodeFrameHeader(FrameType.report, 0), encodeReport(this.#sendReport())]);
        }
        this.channel.flush();
      } else this.#pings.get(payload.readBigUInt64BE(0))?.(true);
      return;
    }
    if (type === FrameType.report) {
      // Only a provider reports, and only when asked: anything else is a peer that does not follow the protocol.
      if (streamId !== 0 || this.#onOpen) throw protocolError('unexpected REPORT');
      this.emit('report', decodeReport(payload));
      return;
    }
    if (type === FrameType.windowUpdate && streamId === 0) {
      // The provider's grant of session window (client side).
      const delta = payload.length === 4 ? payload.readUInt32BE(0) : 0;
      if (this.#onOpen || delta === 0 || this.#sessionSendWindow + delta > MAX_STREAM_WINDOW) {
        throw protocolError('bad session WINDOW_UPDATE');
      }
      this.#sessionSendWindow += delta;
      this.#flushBlocked();
      return;
    }
    if (type === FrameType.openResult) {
      if (payload.length !== 1) throw protocolError('bad OPEN_RESULT');
      this.#opening.get(streamId)?.resolve(payload[0] as number);
      return;
    }
    if (type === FrameType.datagram) {
      this.#handleDatagram(streamId, payload);
      return;
    }
    const flow = this.flows.size > 0 ? this.flows.get(streamId) : undefined;
    if (flow) {
      if (type !== FrameType.close && type !== FrameType.reset) throw protocolError('stream frame on a UDP flow');
      this.flows.delete(streamId);
      this.#connecting.delete(streamId);
      flow.onClosed();
      return;
    }
    if (type === FrameType.data) {
      // Counted against the session window and metered whether or not the stream still exists: the peer
      // spent its window on it, and a stream it had reset must not carry DATA for free.
      if (this.#onOpen) {
        if (payload.length > this.#receiveOutstanding) throw protocolError('DATA beyond the session window');
        this.#receiveOutstanding -= payload.length;
      }
      this.meter.addReceived(payload.length);
    }
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (this.#onOpen && type === FrameType.data) this.refreshReceiveWindow();
      return; // frames racing a local reset are dropped
    }
    switch (type) {
      case FrameType.data:
        if (this.#onOpen) {
          this.#buffered += payload.length;
          this.receiveBuffers.bytes += payload.length;
        }
        if (!stream.onData(payload)) this.#resetStream(stream, 'peer exceeded the stream window');
        else if (this.#onOpen) this.refreshReceiveWindow();
        return;
      case FrameType.windowUpdate:
        if (payload.length !== 4 || !stream.onWindowUpdate(payload.readUInt32BE(0))) {
          this.#resetStream(stream, 'bad WINDOW_UPDATE');
        }
        return;
      case FrameType.close:
        stream.onRemoteClose();
        this.#forgetIfFinished(stream);
        return;
      case FrameType.reset:
        this.streams.delete(streamId);
        stream.onReset(
          new MuxError('Stream reset by peer', { code: 'TUNNEL_STREAM_RESET', meta: { reply: payload[0] } }),
        );
        return;
    }
  }

  #handleOpen(streamId: number, payload: Buffer): void {
    const reply = (code: number): void => {
      this.channel.send([encodeFrameHeader(FrameType.openResult, streamId), Buffer.of(code)]);
    };
    if (!this.#onOpen || streamId % 2 === 0 || this.streams.has(streamId) || this.flows.has(streamId)) {
      throw protocolError('unexpected OPEN');
    }
    const violation = this.openPolicy?.();
    if (violation) throw violation;
    let request: ReturnType<typeof decodeOpen>;
    try {
      request = decodeOpen(payload);
    } catch {
      reply(SocksReply.addressTypeNotSupported);
      return;
    }
    if (request.kind === OpenKind.udp) {
      if (!this.#onFlow) {
        reply(SocksReply.commandNotSupported);
        return;
      }
      if (this.flows.size >= MAX_FLOWS_PER_SESSION || this.#connecting.size >= MAX_CONNECTING_PER_SESSION) {
        reply(SocksReply.generalFailure);
        return;
      }
      const flow = new MuxFlow(this.#flowHost, streamId, { host: request.host, port: request.port }, this.#flowIdleMs);
      this.flows.set(streamId, flow);
      this.#connecting.add(streamId);
      this.#onFlow({ host: request.host, port: request.port }, flow);
      return;
    }
    if (this.streams.size >= MAX_STREAMS_PER_SESSION || this.#connecting.size >= MAX_CONNECTING_PER_SESSION) {
      reply(SocksReply.generalFailure);
      return;
    }
    const stream = new MuxStream(this.#host, streamId, request, 'provider');
    this.streams.set(streamId, stream);
    this.#connecting.add(streamId);
    stream.once('close', () => this.#connecting.delete(streamId));
    this.#onOpen(request, stream);
  }

  /**
   * A DATAGRAM: metered whatever becomes of it (the peer sent it, so this hop carried it, as DATA for a
   * reset stream); delivered only to an open flow, and at the provider only while the gate is open (a
   * session at the end of its credit carries no datagram out). Too large, or on stream 0: protocol error.
   */
  #handleDatagram(flowId: number, payload: Buffer): void {
    if (flowId === 0 || payload.length > MAX_DATAGRAM_PAYLOAD) throw protocolError('bad DATAGRAM frame');
    this.meter.addReceived(payload.length);
    const flow = this.flows.get(flowId);
    if (!flow?.isOpen || (this.#onOpen && !this.gate.isOpen)) {
      this.datagrams.dropped++;
      flow?.countDrop();
      return;
    }
    // A copy: the record may be decrypted in a receive area that the next read reuses.
    flow.onDatagram(Buffer.from(payload));
  }

  /**
   * Sends a datagram now when the channel has room and nothing is queued before it; otherwise queues it
   * within the per-flow and per-session bounds. At the provider, a closed gate or an empty limiter drops
   * it (a datagram that waited for payment or capacity would arrive too late to matter anyway).
   */
  #sendDatagram(flow: MuxFlow, payload: Buffer): boolean {
    if (this.closed || this.flows.get(flow.id) !== flow) return this.#dropDatagram();
    if (this.#onOpen && !this.gate.isOpen) return this.#dropDatagram();
    if (this.#datagramQueue.length === 0 && this.channel.writable) return this.#writeDatagram(flow, payload);
    if (
      flow.queued >= FLOW_QUEUE_DATAGRAMS ||
      this.datagrams.queuedBytes + payload.length > SESSION_DATAGRAM_QUEUE_BYTES
    ) {
      return this.#dropDatagram();
    }
    flow.queued++;
    this.datagrams.queuedBytes += payload.length;
    this.datagrams.queuedPeak = Math.max(this.datagrams.queuedPeak, this.datagrams.queuedBytes);
    this.#datagramQueue.push({ flow, payload });
    return true;
  }

  #writeDatagram(flow: MuxFlow, payload: Buffer): boolean {
    const limiter = this.#limiter;
    if (limiter) {
      if (!limiter.canSend()) return this.#dropDatagram();
      limiter.take(payload.length, this.#waiter);
    }
    this.meter.addSent(payload.length);
    flow.countSent(payload.length);
    this.channel.send([encodeFrameHeader(FrameType.datagram, flow.id), payload]);
    return true;
  }

  #dropDatagram(): false {
    this.datagrams.dropped++;
    return false;
  }

  /** Queued datagrams go first when the channel drains: they never wait behind a stream's DATA. */
  #flushDatagrams(): void {
    const queue = this.#datagramQueue;
    let sent = 0;
    while (sent < queue.length && this.channel.writable) {
      const { flow, payload } = queue[sent] as { flow: MuxFlow; payload: Buffer };
      sent++;
      flow.queued--;
      this.datagrams.queuedBytes -= payload.length;
      const live = !this.closed && this.flows.get(flow.id) === flow && (!this.#onOpen || this.gate.isOpen);
      if (!live) this.datagrams.dropped++;
      if (!live || !this.#writeDatagram(flow, payload)) flow.countDrop();
    }
    if (sent > 0) this.#datagramQueue = queue.slice(sent);
  }

  #resetStream(stream: MuxStream, details: string): void {
    stream.destroy(new MuxError('Flow-control violation', { code: 'TUNNEL_MUX_PROTOCOL', details }));
  }

  #forgetIfFinished(stream: MuxStream): void {
    if (stream.finished) this.streams.delete(stream.id);
  }

  #flushBlocked = () => {
    if (this.#datagramQueue.length > 0) this.#flushDatagrams();
    for (const stream of [...this.#blocked]) {
      if (!this.#host.canSendData()) {
        // Woken by the gate or a drain while the limiter is empty: queue for it, or nothing wakes us again.
        this.#waitForLimiter();
        return;
      }
      this.#blocked.delete(stream);
      stream.flush();
    }
  };

  /**
   * Queues this session for the limiter when the limiter is what holds its blocked streams back: the
   * session is open, its gate open, its channel writable and (for `stream`) the stream has credit. Decided
   * on those alone, never on the bucket itself — it refills continuously, so "the bucket has tokens
   * again" a microsecond after a send found it empty would strand the stream with nothing to wake it.
   * A needless wait costs one turn (≥ 1 ms).
   */
  #waitForLimiter(stream?: MuxStream): void {
    const limiter = this.#limiter;
    if (!limiter || this.closed || !this.gate.isOpen || !this.channel.writable) return;
    if (stream && !stream.hasSendCredit) return;
    limiter.wait(this.#waiter);
  }

  #teardown(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.#limiter?.remove(this.#waiter);
    for (const settle of [...this.#pings.values()]) settle(false);
    const cause = new MuxError('Tunnel session closed', { code: 'TUNNEL_SESSION_CLOSED', cause: error });
    for (const { resolve } of this.#opening.values()) resolve(SocksReply.generalFailure);
    for (const stream of this.streams.values()) stream.onReset(cause);
    this.streams.clear();
    for (const flow of [...this.flows.values()]) flow.onClosed(cause);
    this.flows.clear();
    for (const { flow } of this.#datagramQueue) flow.countDrop();
    this.datagrams.dropped += this.#datagramQueue.length;
    this.#datagramQueue = [];
    this.datagrams.queuedBytes = 0;
    this.receiveBuffers.bytes -= this.#buffered; // what streams still held is gone with them
    this.#buffered = 0;
    this.#blocked.clear();
    this.emit('close', error);
  }
}

function openFailure(reply: number): OpenError {
  if (reply === OpenReply.notAnExit) {
    return new OpenError('The provider is relay-only: it opens nothing to the internet', {
      code: 'TUNNEL_OPEN_NOT_EXIT',
      details: 'choose a provider whose offer is an exit as the last hop of the path',
      meta: { reply },
    });
  }
  return new OpenError('Destination refused or unreachable', {
    code: 'TUNNEL_OPEN_FAILED',
    details: `exit replied with SOCKS code ${reply}`,
    meta: { reply },
  });
}

function protocolError(details: string): MuxError {
  return new MuxError('Mux protocol violation', { code: 'TUNNEL_MUX_PROTOCOL', details });
}
