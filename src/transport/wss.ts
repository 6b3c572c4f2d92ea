/**
 * The wss transport: the tunnel inside WebSocket binary frames inside TLS 1.3, to a secret path
 * (from the signed offer) on an ordinary-looking web server. Anyone else (a browser, a prober, a
 * wrong path) gets the cover site. The server speaks TLS itself or plain HTTP behind a
 * TLS-terminating reverse proxy or CDN (nginx: `docs/transports.md`). When it speaks TLS itself and says so
 * (`bind=1`), each end hands the tunnel the TLS session's exporter (`tlsBinding`): the tunnel's handshake is bound
 * to it and its records go clear inside TLS (`docs/transports.md`, "Channel binding and clear records").
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import {
  TRANSPORT_AUTH_TIMEOUT_MS,
  TRANSPORT_HIGH_WATER_MARK,
  WS_CLIENT_HOLD_MS,
  WS_CONTROL_PAYLOAD_MAX,
  WS_GET_SIZE_MAX,
  WS_GET_SIZE_MIN,
  WS_MAX_RESPONSE_HEAD,
  WS_PADDED_CLIENT_FLIGHTS,
  WS_SERVER_BURST,
  WS_SERVER_HOLD_MS,
} from './constants.ts';
import { coverPageResponseLength, DEFAULT_COVER_PAGE, serveCoverSite } from './coverSite.ts';
import { TransportError } from './errors.ts';
import { type FrameCodec, FramedStream } from './FramedStream.ts';
import { createWsCodec, encodeWsFrame, WsOpcode } from './wsFrame.ts';
import { WSS_CLIENT_TLS } from './wssClientTls.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The TLS exporter's label (RFC 5705, RFC 8446 §7.5): ours alone, so no other protocol derives the same bytes. */
export const TLS_EXPORTER_LABEL = 'EXPORTER-bandex-tunnel-v1';
/** Bytes of the exporter mixed into the tunnel's prologue: a SHA-256's worth. */
export const TLS_EXPORTER_LEN = 32;
/** A browser's user agent: the upgrade request should read like one (only its size leaves TLS). */
const USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export type WssParameters = {
  /** The secret path, `/` + base64url of `WS_SECRET_LEN` random bytes. */
  path: string;
  /** TLS server name and Host header (a DNS name); the dialled host when absent. */
  serverName?: string;
  /** SHA-256 fingerprint of the server's certificate (colon-less hex), for a self-signed one; else the CA chain is checked. */
  certSha256?: string;
  /** The server's own TLS ends the connection (`bind=1`): bind the tunnel to it (`tlsBinding`). */
  bind?: true;
};

/**
 * The channel binding of a wss connection (both ends compute it, the client after `secureConnect`, the server on
 * the upgraded socket): the TLS 1.3 exporter under `TLS_EXPORTER_LABEL`, unique to this TLS session, so a
 * middlebox that terminates TLS (with the provider's key or not) holds two sessions and two exporters. Under
 * TLS 1.2 none (its exporter is unique only with extended master secret): a client dialling `bind=1` then refuses
 * the connection before sending anything (`dialWss`), and a listener runs such a connection unbound.
 */
export function tlsBinding(socket: TLSSocket): Buffer | undefined {
  if (socket.getProtocol() !== 'TLSv1.3') return undefined;
  // TLS 1.3 has no "no context": an empty one (RFC 8446 §7.5), the same on both ends.
  return socket.exportKeyingMaterial(TLS_EXPORTER_LEN, TLS_EXPORTER_LABEL, Buffer.alloc(0));
}

export function webSocketAccept(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

/**
 * The upgrade request, padded with a random cookie so that it and the `following` bytes sent in the same
 * flight (the tunnel's first frames) come to `size` bytes (at least one cookie character).
 */
export function upgradeRequest(host: string, path: string, key: string, size = randomGetSize(), following = 0): string {
  const head = [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    `User-Agent: ${USER_AGENT}`,
    'Accept: */*',
    'Accept-Language: en-US,en;q=0.9',
    'Accept-Encoding: gzip, deflate, br',
    'Sec-WebSocket-Version: 13',
    `Origin: https://${host}`,
    `Sec-WebSocket-Key: ${key}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
  ].join('\r\n');
  const bare = `${head}\r\nCookie: sid=\r\n\r\n`.length;
  const length = Math.max(1, size - following - bare);
  const cookie = randomBytes(Math.ceil(length * 0.75) + 1)
    .toString('base64url')
    .slice(0, length);
  return `${head}\r\nCookie: sid=${cookie}\r\n\r\n`;
}

/** A uniform size in the range of a browser's page GET (`WS_GET_SIZE_MIN`..`WS_GET_SIZE_MAX`). */
export function randomGetSize(): number {
  return randomInt(WS_GET_SIZE_MIN, WS_GET_SIZE_MAX + 1);
}

/** The server's answer to the upgrade, padded (a random session cookie) so that it and `following` bytes come to `size`. */
export function switchingProtocols(key: string, size: number, following = 0): Buffer {
  const head =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${webSocketAccept(key)}\r\n`;
  const tail = '; Path=/; Secure; HttpOnly\r\n\r\n';
  const bare = `${head}Set-Cookie: sid=${tail}`.length;
  const length = Math.max(1, size - following - bare);
  const cookie = randomBytes(Math.ceil(length * 0.75) + 1)
    .toString('base64url')
    .slice(0, length);
  return Buffer.from(`${head}Set-Cookie: sid=${cookie}${tail}`, 'latin1');
}

/** `bytes` of unsolicited pongs (masked when `masked`): padding the peer discards (RFC 6455 §5.5.3). */
export function paddingPongs(bytes: number, masked: boolean): Buffer[] {
  const overhead = 2 + (masked ? 4 : 0);
  const out: Buffer[] = [];
  let left = bytes;
  while (left >= overhead) {
    // Never leave less than one frame's header: split so that the last frame can carry the rest.
    let payload = Math.min(WS_CONTROL_PAYLOAD_MAX, left - overhead);
    if (left - overhead - payload > 0 && left - overhead - payload < overhead) payload -= overhead;
    out.push(...encodeWsFrame(WsOpcode.pong, [randomBytes(payload)], masked));
    left -= payload + overhead;
  }
  return out;
}

const wireLength = (pieces: readonly Buffer[]) => pieces.reduce((a, p) => a + p.length, 0);

/**
 * The client's framing: RFC 6455 frames, with the upgrade in front. The upgrade request leaves with the
 * first frames (the tunnel's first message), padded together to a GET's size; the next flight is padded
 * to a GET's size too. Nothing is decoded before the answer is a `101` with the right
 * `Sec-WebSocket-Accept`: anything else (the cover site, a proxy's error page) fails the stream with
 * `TRANSPORT_CONNECT_FAILED`, and `settle` hears the outcome first.
 */
export function createWssClientCodec(
  request: { host: string; path: string; key: string },
  settle: (error?: TransportError) => void,
): FrameCodec & { readonly requested: boolean } {
  const inner = createWsCodec('client');
  let flights = 0;
  let upgraded = false;
  let head: Buffer = Buffer.alloc(0);
  const fail = (reason: string): never => {
    const error = new TransportError('WebSocket transport failed', {
      code: 'TRANSPORT_CONNECT_FAILED',
      cause: new Error(reason),
    });
    settle(error);
    throw error;
  };
  const requestBytes = (following: number) =>
    Buffer.from(upgradeRequest(request.host, request.path, request.key, randomGetSize(), following), 'latin1');
  return {
    get requested() {
      return flights > 0;
    },
    get ended() {
      return inner.ended;
    },
    encode(chunks) {
      const data = chunks.some((c) => c.length > 0) ? inner.encode(chunks) : [];
      flights++;
      if (flights === 1) return [requestBytes(wireLength(data)), ...data];
      if (flights > WS_PADDED_CLIENT_FLIGHTS) return data;
      return [...data, ...paddingPongs(randomGetSize() - wireLength(data), true)];
    },
    end() {
      const close = inner.end?.();
      if (flights > 0) return close;
      flights++;
      return Buffer.concat([requestBytes(close?.length ?? 0), ...(close ? [close] : [])]);
    },
    takeReplies() {
      return inner.takeReplies?.() ?? [];
    },
    decode(chunk) {
      if (upgraded) return inner.decode(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > WS_MAX_RESPONSE_HEAD) fail('response head too large');
        return [];
      }
      const { status, headers } = parseResponseHead(head.subarray(0, end));
      if (status !== 101 || headers.get('upgrade')?.toLowerCase() !== 'websocket') {
        fail(`upgrade refused (HTTP ${status})`);
      }
      if (headers.get('sec-websocket-accept') !== webSocketAccept(request.key)) fail('bad Sec-WebSocket-Accept');
      upgraded = true;
      const rest = head.subarray(end + 4);
      head = Buffer.alloc(0);
      settle();
      return rest.length > 0 ? inner.decode(rest) : [];
    },
  };
}

/** The status and headers (lower-case names) of an HTTP response head (without its blank line). */
export function parseResponseHead(head: Buffer): { status: number; headers: Map<string, string> } {
  const lines = head.toString('latin1').split('\r\n');
  const status = Number((lines[0] ?? '').split(' ')[1]);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status, headers };
}

/** A flight that waits: for the tunnel's next write (then both leave at the end of that turn) or `waitMs`. */
export type HeldFlight = {
  /** Which flight (1-based, counted in the tunnel's writes). */
  flight: number;
  /** 0: only until the end of the event loop's turn. */
  waitMs: number;
  /** When it leaves alone after `waitMs`, it is padded to this many bytes (a burst). */
  aloneTo?: number;
};

/**
 * A WebSocket stream that holds some of its first flights back so that what the tunnel writes in pieces a
 * moment apart leaves as one flight, as a browser's request or a server's answer does (`docs/transports.md`):
 * the client's first stream OPEN waits for the application's first bytes; the provider's second handshake
 * message for its first grant; its first OPEN result for the data that follows.
 */
export class WssStream extends FramedStream {
  readonly #holds: readonly HeldFlight[];
  readonly #pad: ((bytes: number) => void) | undefined;
  #writes = 0;
  #held: Array<{ chunk: Buffer }> | undefined;
  #hold: HeldFlight | undefined;
  #timer: NodeJS.Timeout | undefined;
  #merging = false;

  constructor(
    socket: Socket,
    codec: FrameCodec & { padNext?: (bytes: number) => void },
    options: { head?: Buffer; holds: readonly HeldFlight[] },
  ) {
    super(socket, codec, { head: options.head });
    this.#holds = options.holds;
    this.#pad = codec.padNext;
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    if (this.#held) {
      this.#held.push(...chunks);
      callback();
      if (!this.#merging) {
        this.#merging = true;
        clearTimeout(this.#timer);
        setImmediate(() => this.#release(false));
      }
      return;
    }
    const flight = ++this.#writes;
    const hold = this.#holds.find((h) => h.flight === flight);
    if (!hold) {
      super._writev(chunks, callback);
      return;
    }
    this.#held = [...chunks];
    this.#hold = hold;
    this.#merging = hold.waitMs === 0;
    callback();
    if (this.#merging) setImmediate(() => this.#release(false));
    else this.#timer = setTimeout(() => this.#release(true), hold.waitMs);
  }

  #release(alone: boolean, callback?: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    const held = this.#held;
    const hold = this.#hold;
    this.#held = undefined;
    this.#hold = undefined;
    this.#merging = false;
    if (!held || this.destroyed) {
      callback?.();
      return;
    }
    if (alone && hold?.aloneTo) this.#pad?.(hold.aloneTo);
    super._writev(held, (error) => {
      if (error) this.destroy(error);
      callback?.(error);
    });
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#release(false, () => super._final(callback));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    this.#held = undefined;
    super._destroy(error, callback);
  }
}

/** The client's stream: usable at once (its first write carries the upgrade); `upgraded` settles with the server's answer. */
export class WssClientStream extends WssStream {
  /** Resolves on a `101` with the right accept key; rejects (`TRANSPORT_CONNECT_FAILED`, `TRANSPORT_TIMEOUT`) before the stream fails. */
  readonly upgraded: Promise<void>;
  /** The TLS session's exporter when the offer said `bind=1` (and TLS 1.3 was negotiated): the tunnel's prologue. */
  readonly binding: Buffer | undefined;

  constructor(socket: TLSSocket, request: { host: string; path: string; key: string }, binding?: Buffer) {
    let settle: (error?: TransportError) => void = () => {};
    const upgraded = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve());
    });
    upgraded.catch(() => {});
    const codec = createWssClientCodec(request, (error) => settle(error));
    // The flight after the answer: the first stream's OPEN waits for the application's first bytes.
    super(socket as unknown as Socket, codec, { holds: [{ flight: 2, waitMs: WS_CLIENT_HOLD_MS }] });
    this.upgraded = upgraded;
    this.binding = binding;
    this.#settle = settle;
    this.#codec = codec;
    this.once('close', () =>
      settle(new TransportError('Closed during the WebSocket upgrade', { code: 'TRANSPORT_CONNECT_FAILED' })),
    );
  }

  readonly #settle: (error?: TransportError) => void;
  readonly #codec: { readonly requested: boolean };

  /** Whether the upgrade request has been sent (with the first write). */
  get requested(): boolean {
    return this.#codec.requested;
  }

  /** Fails the upgrade (a timeout, an abort): `upgraded` rejects first, then the stream is destroyed. */
  failUpgrade(error: TransportError): void {
    this.#settle(error);
    this.destroy(error);
  }
}

/**
 * Connects TLS (checking a pinned certificate before anything is sent) and returns the stream without
 * waiting for the upgrade: the request leaves with the stream's first write, so the tunnel's first
 * message rides in the same flight, and the answer (`101` and the tunnel's second message) comes back
 * in one (`docs/transports.md`). A refused upgrade rejects `upgraded` and fails the stream.
 * @throws {TransportError} `TRANSPORT_CONNECT_FAILED` (TLS, the pin) or `TRANSPORT_TIMEOUT`.
 */
export async function dialWss(
  target: { host: string; port: number; signal?: AbortSignal; timeoutMs?: number; localAddress?: string },
  params: WssParameters,
): Promise<WssClientStream> {
  const host = params.serverName ?? target.host;
  const socket: TLSSocket = connectTls({
    host: target.host,
    port: target.port,
    ...(target.localAddress ? { localAddress: target.localAddress } : {}),
    servername: isIP(host) ? undefined : host,
    ...WSS_CLIENT_TLS,
    rejectUnauthorized: params.certSha256 === undefined,
  });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const timeoutMs = target.timeoutMs ?? TRANSPORT_AUTH_TIMEOUT_MS;
  const timeout = setTimeout(
    () => socket.destroy(new TransportError('WebSocket upgrade timed out', { code: 'TRANSPORT_TIMEOUT' })),
    timeoutMs,
  );
  const onAbort = () => socket.destroy(new TransportError('Aborted', { code: 'TRANSPORT_CONNECT_FAILED' }));
  target.signal?.addEventListener('abort', onAbort, { once: true });
  let stream: WssClientStream;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed during TLS handshake')));
    });
    if (params.certSha256 !== undefined) {
      const seen = socket.getPeerCertificate().fingerprint256?.replaceAll(':', '').toLowerCase();
      if (seen !== params.certSha256.toLowerCase()) throw new Error('certificate does not match the offer');
    }
    const binding = params.bind ? tlsBinding(socket) : undefined;
    // The provider's own listener speaks TLS 1.3: under 1.2 something else ends TLS, and nothing is sent to it.
    if (params.bind && !binding) throw new Error('bind=1, but the server negotiated TLS 1.2: not the provider');
    socket.pause();
    const request = { host, path: params.path, key: randomBytes(16).toString('base64') };
    stream = new WssClientStream(socket, request, binding);
  } catch (cause) {
    clearTimeout(timeout);
    target.signal?.removeEventListener('abort', onAbort);
    socket.destroy();
    if (cause instanceof TransportError) throw cause;
    throw new TransportError('WebSocket transport failed', { code: 'TRANSPORT_CONNECT_FAILED', cause });
  }
  // Until the answer: the same deadline and abort as the TLS handshake, now failing the stream.
  clearTimeout(timeout);
  target.signal?.removeEventListener('abort', onAbort);
  const upgradeTimeout = setTimeout(
    () => stream.failUpgrade(new TransportError('WebSocket upgrade timed out', { code: 'TRANSPORT_TIMEOUT' })),
    timeoutMs,
  );
  const onUpgradeAbort = () => stream.failUpgrade(new TransportError('Aborted', { code: 'TRANSPORT_CONNECT_FAILED' }));
  target.signal?.addEventListener('abort', onUpgradeAbort, { once: true });
  const done = () => {
    clearTimeout(upgradeTimeout);
    target.signal?.removeEventListener('abort', onUpgradeAbort);
  };
  stream.upgraded.then(done, done);
  // A caller that does not write at once still upgrades (the request alone, padded to a GET's size).
  setImmediate(() => {
    if (!stream.destroyed && !stream.requested && stream.writableLength === 0) stream.write(Buffer.alloc(0));
  });
  return stream;
}

export type WssServerParameters = {
  path: string;
  /** Speak TLS (PEM); absent: plain HTTP, for a TLS-terminating reverse proxy in front. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  coverPage?: string;
  /**
   * With `tls`: this server's own TLS ends its clients' connections (no proxy in front, `bind=1` in the offer), so
   * each stream comes with its TLS session's exporter (`tlsBinding`) for the tunnel to bind to.
   */
  bind?: boolean;
  onStream: (stream: FramedStream, binding?: Buffer) => void;
};

/** An HTTP(S) server that serves the cover site and upgrades only the secret path. Not yet listening. */
export function createWssServer(params: WssServerParameters): Server {
  const page = params.coverPage ?? DEFAULT_COVER_PAGE;
  const isTunnel = (request: IncomingMessage) =>
    request.method === 'GET' &&
    request.url === params.path &&
    request.headers.upgrade?.toLowerCase() === 'websocket' &&
    request.headers['sec-websocket-version'] === '13' &&
    typeof request.headers['sec-websocket-key'] === 'string';
  // Node's defaults otherwise (timeouts included): a prober timing an idle request sees an ordinary Node site.
  const options = { shouldUpgradeCallback: isTunnel, highWaterMark: TRANSPORT_HIGH_WATER_MARK };
  const onRequest = (request: IncomingMessage, response: import('node:http').ServerResponse) =>
    serveCoverSite(page, request, response);
  const server: Server = params.tls
    ? createHttpsServer({ ...options, ...params.tls, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] }, onRequest)
    : createHttpServer(options, onRequest);
  const answerSize = coverPageResponseLength(page);
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const key = request.headers['sec-websocket-key'] as string;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    // A client that sent its first frames with the request (ours, directly) gets the 101 with the tunnel's
    // answer, in one flight the size of the cover page's answer; one that waits for the 101 (an RFC 6455
    // client, or nginx, which forwards early frames only after the upstream's 101) gets it at once.
    const early = head.length > 0;
    if (!early) socket.write(switchingProtocols(key, answerSize));
    // Its first flight (the tunnel's second message) waits for the first grant written right after it; the
    // second (the first stream's OPEN result) for the data that follows, or leaves as a burst.
    const codec = createWssServerCodec(early ? { key, size: answerSize } : undefined);
    const holds = [
      { flight: 1, waitMs: 0 },
      { flight: 2, waitMs: WS_SERVER_HOLD_MS, aloneTo: WS_SERVER_BURST },
    ];
    const binding = params.tls && params.bind ? tlsBinding(socket as TLSSocket) : undefined;
    params.onStream(new WssStream(socket, codec, { head, holds }), binding);
  });
  return server;
}

/**
 * The server's framing: RFC 6455 frames, behind the held `101` answer when `answer` is given (then the
 * first frames sent — the tunnel's second message — go with it, padded together to `answer.size`).
 */
export function createWssServerCodec(answer?: {
  key: string;
  size: number;
}): FrameCodec & { padNext(bytes: number): void } {
  const inner = createWsCodec('server');
  let held = answer;
  let padTo = 0;
  const withAnswer = (data: Buffer[]): Buffer[] => {
    if (!held) return data;
    const out = [switchingProtocols(held.key, held.size, wireLength(data)), ...data];
    held = undefined;
    return out;
  };
  return {
    get ended() {
      return inner.ended;
    },
    padNext(bytes: number) {
      padTo = bytes;
    },
    encode(chunks) {
      const data = withAnswer(chunks.some((c) => c.length > 0) ? inner.encode(chunks) : []);
      if (padTo === 0) return data;
      const pad = paddingPongs(padTo - wireLength(data), false);
      padTo = 0;
      return [...data, ...pad];
    },
    end() {
      const close = inner.end?.();
      return held ? Buffer.concat(withAnswer(close ? [close] : [])) : close;
    },
    takeReplies: () => {
      const replies = inner.takeReplies?.() ?? [];
      return replies.length > 0 ? withAnswer(replies) : replies;
    },
    decode: (chunk) => inner.decode(chunk),
  };
}
