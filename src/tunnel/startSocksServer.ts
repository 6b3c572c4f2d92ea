/**
 * Local SOCKS5 front (RFC 1928, with RFC 1929 username/password when configured): CONNECT, and
 * UDP ASSOCIATE when given `openFlow` (`serveUdpAssociate.ts`); IPv4, IPv6 and domain names — names
 * are sent to the exit unresolved. Each accepted CONNECT becomes one tunnel stream. A malformed
 * request gets the proper reply and a closed socket.
 *
 * The request is parsed synchronously as bytes arrive (no promise per field), and by default
 * the CONNECT is answered optimistically, as ss-local does: success at once, the OPEN and the
 * application's first bytes go to the exit together, and a destination the exit refuses or
 * cannot reach closes the application's connection (no SOCKS error code, since the success reply
 * is already out). `optimistic: false` waits for the exit and replies with its exact code.
 */
import type { Socket } from 'node:net';
import { MAX_PROXY_REQUEST_HEAD, PROXY_REQUEST_TIMEOUT_MS, SocksReply } from './constants.ts';
import { OpenError } from './errors.ts';
import type { OpenTunnelFlow, OpenTunnelStream, ProxyServer } from './frontTypes.ts';
import { listenProxy } from './listenProxy.ts';
import type { Destination } from './muxFrame.ts';
import { serveUdpAssociate } from './serveUdpAssociate.ts';
import { splice } from './splice.ts';

export type StartSocksServerParameters = {
  openStream: OpenTunnelStream;
  /** UDP flows for UDP ASSOCIATE; without it the command is refused (0x07). */
  openFlow?: OpenTunnelFlow;
  host?: string;
  port?: number;
  /** Require RFC 1929 username/password (otherwise no-auth). */
  credentials?: { username: string; password: string };
  /**
   * Answer CONNECT before the exit has connected (default true): one round trip through the path
   * less per connection; a refused destination then shows as a closed connection, not a SOCKS code.
   */
  optimistic?: boolean;
};

const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;
const SUCCEEDED = Buffer.of(5, 0, 0, 1, 0, 0, 0, 0, 0, 0);

/** SOCKS5 reply with BND.ADDR 0.0.0.0:0 (the tunnel hides the exit's address). */
export function socksReply(code: number): Buffer {
  return Buffer.of(5, code, 0, 1, 0, 0, 0, 0, 0, 0);
}

/**
 * @example
 * const socks = await startSocksServer({ openStream: (d, options) => session.openStream(d, options) });
 * // curl --socks5-hostname 127.0.0.1:${socks.address.port} http://example.com/
 */
export function startSocksServer(params: StartSocksServerParameters): Promise<ProxyServer> {
  return listenProxy(params.host ?? '127.0.0.1', params.port ?? 0, async (socket) => serveSocks(socket, params));
}

/** What a parse step decided: wait for more bytes, answer and close, or go ahead with `destination`. */
type Step =
  | { kind: 'more' }
  | { kind: 'refuse'; reply: Buffer }
  | { kind: 'connect' | 'associate'; destination: Destination; used: number };

const MORE: Step = { kind: 'more' };

/**
 * Parses greeting, authentication and request from `data` (everything received so far), writing the
 * intermediate answers (`05 method`, `01 00`) through `answer` as each part completes. `state.stage`
 * remembers which answers went out.
 */
function parse(
  data: Buffer,
  state: { stage: number; at: number },
  credentials: StartSocksServerParameters['credentials'],
  answer: (reply: Buffer) => void,
  udp: boolean,
): Step {
  if (state.stage === 0) {
    if (data.length < 2) return MORE;
    if (data[0] !== 5) return { kind: 'refuse', reply: Buffer.alloc(0) };
    const count = data[1] as number;
    if (data.length < 2 + count) return MORE;
    const method = credentials ? USER_PASS : NO_AUTH;
    if (!data.subarray(2, 2 + count).includes(method)) return { kind: 'refuse', reply: Buffer.of(5, NO_ACCEPTABLE) };
    answer(Buffer.of(5, method));
    state.at = 2 + count;
    state.stage = credentials ? 1 : 2;
  }
  if (state.stage === 1 && credentials) {
    const at = state.at;
    if (data.length < at + 2) return MORE;
    const userLength = data[at + 1] as number;
    if (data.length < at + 3 + userLength) return MORE;
    const passLength = data[at + 2 + userLength] as number;
    const end = at + 3 + userLength + passLength;
    if (data.length < end) return MORE;
    const username = data.toString('utf8', at + 2, at + 2 + userLength);
    const password = data.toString('utf8', at + 3 + userLength, end);
    if (data[at] !== 1 || username !== credentials.username || password !== credentials.password) {
      return { kind: 'refuse', reply: Buffer.of(1, 1) };
    }
    answer(Buffer.of(1, 0));
    state.at = end;
    state.stage = 2;
  }
  const at = state.at;
  if (data.length < at + 4) return MORE;
  if (data[at] !== 5) return { kind: 'refuse', reply: socksReply(SocksReply.generalFailure) };
  const command = data[at + 1];
  const addressType = data[at + 3];
  let host: string;
  let end: number;
  if (addressType === 1) {
    end = at + 4 + 4;
    if (data.length < end + 2) return MORE;
    host = `${data[at + 4]}.${data[at + 5]}.${data[at + 6]}.${data[at + 7]}`;
  } else if (addressType === 4) {
    end = at + 4 + 16;
    if (data.length < end + 2) return MORE;
    host = Array.from({ length: 8 }, (_, i) => data.readUInt16BE(at + 4 + i * 2).toString(16)).join(':');
  } else if (addressType === 3) {
    if (data.length < at + 5) return MORE;
    const length = data[at + 4] as number;
    if (!length) return { kind: 'refuse', reply: socksReply(SocksReply.generalFailure) };
    end = at + 5 + length;
    if (data.length < end + 2) return MORE;
    host = data.toString('latin1', at + 5, end);
  } else return { kind: 'refuse', reply: socksReply(SocksReply.addressTypeNotSupported) };
  const port = data.readUInt16BE(end);
  // UDP ASSOCIATE's DST is where the client will send from (0.0.0.0:0 when it does not know yet).
  if (command === 3 && udp) return { kind: 'associate', destination: { host, port }, used: end + 2 };
  if (command !== 1) return { kind: 'refuse', reply: socksReply(SocksReply.commandNotSupported) };
  if (port === 0) return { kind: 'refuse', reply: socksReply(SocksReply.generalFailure) };
  return { kind: 'connect', destination: { host, port }, used: end + 2 };
}

/**
 * Deadlines of the requests being read, checked by one shared unref'd interval (every second)
 * rather than a timer per connection: arming and clearing a socket timeout costs measurable time
 * on the latency path of every new connection.
 */
const deadlines = new Map<Socket, { at: number; expire: () => void }>();
let sweeper: NodeJS.Timeout | undefined;

function watchDeadline(socket: Socket, expire: () => void): () => void {
  deadlines.set(socket, { at: Date.now() + PROXY_REQUEST_TIMEOUT_MS, expire });
  sweeper ??= setInterval(() => {
    const now = Date.now();
    for (const [, deadline] of deadlines) if (deadline.at <= now) deadline.expire();
    if (deadlines.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }, 1_000).unref();
  return () => deadlines.delete(socket);
}

/** Reads and answers the SOCKS5 request; resolves with the destination and the bytes that followed it. */
type Request = { command: 'connect' | 'associate'; destination: Destination; early: Buffer };

function readRequest(
  socket: Socket,
  credentials: StartSocksServerParameters['credentials'],
  udp: boolean,
): Promise<Request | undefined> {
  return new Promise((resolve) => {
    let data: Buffer = Buffer.alloc(0);
    const state = { stage: 0, at: 0 };
    const done = (result?: Request) => {
      socket.off('data', onData);
      socket.off('end', onGone);
      socket.off('close', onGone);
      unwatch();
      socket.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      const step = parse(data, state, credentials, (reply) => socket.write(reply), udp);
      if (step.kind === 'connect' || step.kind === 'associate') {
        done({ command: step.kind, destination: step.destination, early: data.subarray(step.used) });
      } else if (step.kind === 'refuse') {
        done();
        socket.end(step.reply);
      } else if (data.length > MAX_PROXY_REQUEST_HEAD) {
        done();
        socket.destroy();
      }
    };
    // A client that closes or stalls mid-request is dropped without a reply.
    const onGone = () => {
      done();
      socket.destroy();
    };
    const unwatch = watchDeadline(socket, onGone);
    socket.on('data', onData);
    socket.once('end', onGone);
    socket.once('close', onGone);
  });
}

async function serveSocks(
  socket: Socket,
  { openStream, openFlow, credentials, optimistic = true }: StartSocksServerParameters,
): Promise<void> {
  const request = await readRequest(socket, credentials, openFlow !== undefined);
  if (!request) return;
  if (request.command === 'associate' && openFlow) {
    socket.resume();
    await serveUdpAssociate(socket, request.destination, openFlow);
    return;
  }
  let stream: Awaited<ReturnType<OpenTunnelStream>>;
  try {
    stream = await openStream(request.destination, { early: optimistic });
  } catch (error) {
    const reply = error instanceof OpenError ? error.meta.reply : SocksReply.generalFailure;
    // Codes beyond SOCKS5's (a relay-only provider's refusal) are "not allowed" to the application.
    socket.end(socksReply(reply > SocksReply.addressTypeNotSupported ? SocksReply.notAllowedByRuleset : reply));
    return;
  }
  if (socket.destroyed) {
    stream.destroy();
    return;
  }
  socket.write(SUCCEEDED);
  if (request.early.length > 0) stream.write(request.early);
  splice(socket, stream);
}
