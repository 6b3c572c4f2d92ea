/**
 * Local HTTP proxy front: `CONNECT host:port` tunnels, and plain absolute-URI HTTP/1.1
 * requests (`GET http://host/path`) forwarded in origin form with `Connection: close`
 * (one request per tunnel stream). Names are resolved at the exit. Malformed requests get
 * a 4xx reply and a closed socket.
 */
import type { Socket } from 'node:net';
import { SocksReply } from './constants.ts';
import { OpenError, ProxyRequestError } from './errors.ts';
import type { OpenTunnelStream, ProxyServer } from './frontTypes.ts';
import { listenProxy } from './listenProxy.ts';
import { SocketReader } from './SocketReader.ts';
import { splice } from './splice.ts';

export type StartHttpProxyServerParameters = {
  openStream: OpenTunnelStream;
  host?: string;
  port?: number;
  /** Require `Proxy-Authorization: Basic` with these credentials. */
  credentials?: { username: string; password: string };
};

export type ParsedProxyRequest =
  | { kind: 'connect'; host: string; port: number }
  | { kind: 'forward'; host: string; port: number; head: Buffer };

const HOP_BY_HOP = /^(proxy-connection|proxy-authorization|connection|keep-alive)$/i;

/** Parses a request head (through CRLFCRLF), pure. Throws `ProxyRequestError` (meta.reply = HTTP status). */
export function parseProxyRequest(head: string): ParsedProxyRequest & { authorization?: string } {
  const lines = head.slice(0, -4).split('\r\n');
  const match = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (!match) throw bad('Malformed request line', 400);
  const [, method, target] = match as unknown as [string, string, string];
  const headers = lines.slice(1);
  if (headers.some((line) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(line))) throw bad('Malformed header', 400);
  const authorization = headers
    .find((line) => /^proxy-authorization:/i.test(line))
    ?.slice(20)
    .trim();
  if (method === 'CONNECT') {
    const hostPort = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(target);
    const port = Number(hostPort?.[2]);
    if (!hostPort || port < 1 || port > 65535) throw bad('Bad CONNECT target', 400);
    return { kind: 'connect', host: (hostPort[1] as string).replace(/^\[(.*)\]$/, '$1'), port, authorization };
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw bad('Proxy requests need an absolute URI', 400);
  }
  if (url.protocol !== 'http:') throw bad('Only http:// can be forwarded; use CONNECT for TLS', 400);
  const kept = headers.filter((line) => !HOP_BY_HOP.test(line.slice(0, line.indexOf(':'))));
  const requestLine = `${method} ${url.pathname}${url.search} HTTP/1.1`;
  const out = [requestLine, ...kept, 'Connection: close', '', ''].join('\r\n');
  return {
    kind: 'forward',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port || 80),
    head: Buffer.from(out, 'latin1'),
    authorization,
  };
}

function bad(message: string, status: number): ProxyRequestError {
  return new ProxyRequestError(message, { code: 'TUNNEL_PROXY_BAD_REQUEST', meta: { reply: status } });
}

function statusForReply(reply: number): string {
  if (reply === SocksReply.notAllowedByRuleset) return '403 Forbidden';
  if (reply === SocksReply.ttlExpired) return '504 Gateway Timeout';
  return '502 Bad Gateway';
}

/**
 * @example
 * const http = await startHttpProxyServer({ openStream: (d, options) => session.openStream(d, options) });
 * // curl -x http://127.0.0.1:${http.address.port} http://example.com/
 */
export function startHttpProxyServer(params: StartHttpProxyServerParameters): Promise<ProxyServer> {
  return listenProxy(params.host ?? '127.0.0.1', params.port ?? 0, (socket) => serveHttp(socket, params));
}

async function serveHttp(socket: Socket, { openStream, credentials }: StartHttpProxyServerParameters): Promise<void> {
  const reader = new SocketReader(socket);
  const respond = (status: string, extra = '') => {
    reader.detach();
    socket.end(`HTTP/1.1 ${status}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`);
  };
  let request: ReturnType<typeof parseProxyRequest>;
  try {
    request = parseProxyRequest((await reader.readUntil('\r\n\r\n')).toString('latin1'));
  } catch (error) {
    if (!(error instanceof ProxyRequestError)) throw error;
    if (error.code === 'TUNNEL_PROXY_BAD_REQUEST') return respond('400 Bad Request');
    reader.detach();
    socket.destroy();
    return;
  }
  if (credentials) {
    const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    if (request.authorization !== expected) {
      return respond('407 Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="bandex"\r\n');
    }
  }
  let stream: Awaited<ReturnType<OpenTunnelStream>>;
  try {
    // The HTTP front answers only once the exit has: it waits for OPEN_RESULT.
    stream = await openStream({ host: request.host, port: request.port }, { early: false });
  } catch (error) {
    return respond(statusForReply(error instanceof OpenError ? error.meta.reply : SocksReply.generalFailure));
  }
  const early = reader.detach();
  if (socket.destroyed) {
    stream.destroy();
    return;
  }
  if (request.kind === 'connect') socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  else stream.write(request.head);
  for (const chunk of early) stream.write(chunk);
  splice(socket, stream);
}
