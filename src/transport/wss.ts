/**
 * The wss transport: the tunnel inside WebSocket binary frames inside TLS 1.3, to a secret path
 * (from the signed offer) on an ordinary-looking web server. Anyone else (a browser, a prober, a
 * wrong path) gets the cover site. The server speaks TLS itself or plain HTTP behind a
 * TLS-terminating reverse proxy or CDN (nginx: `docs/transports.md`).
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import {
  TRANSPORT_AUTH_TIMEOUT_MS,
  TRANSPORT_HIGH_WATER_MARK,
  WS_MAX_RESPONSE_HEAD,
  WS_REQUEST_SIZE_MAX,
  WS_REQUEST_SIZE_MIN,
} from './constants.ts';
import { DEFAULT_COVER_PAGE, serveCoverSite } from './coverSite.ts';
import { TransportError } from './errors.ts';
import type { TransportConnection } from './WireFraming.ts';
import { createWsFraming } from './wsFrame.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
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
};

export function webSocketAccept(key: string): string {
  return createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');
}

/** The upgrade request, padded with a random cookie to a uniform size in the range of a browser's GET. */
export function upgradeRequest(host: string, path: string, key: string): string {
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
  const target = randomInt(WS_REQUEST_SIZE_MIN, WS_REQUEST_SIZE_MAX + 1);
  const cookie = randomBytes(Math.ceil(Math.max(0, target - bare) * 0.75) + 1)
    .toString('base64url')
    .slice(0, Math.max(1, target - bare));
  return `${head}\r\nCookie: sid=${cookie}\r\n\r\n`;
}

export async function dialWss(
  target: { host: string; port: number; signal?: AbortSignal; timeoutMs?: number; localAddress?: string },
  params: WssParameters,
): Promise<TransportConnection> {
  const host = params.serverName ?? target.host;
  const socket: TLSSocket = connectTls({
    host: target.host,
    port: target.port,
    ...(target.localAddress ? { localAddress: target.localAddress } : {}),
    servername: isIP(host) ? undefined : host,
    ALPNProtocols: ['http/1.1'],
    rejectUnauthorized: params.certSha256 === undefined,
  });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const timeout = setTimeout(
    () => socket.destroy(new TransportError('WebSocket upgrade timed out', { code: 'TRANSPORT_TIMEOUT' })),
    target.timeoutMs ?? TRANSPORT_AUTH_TIMEOUT_MS,
  );
  const onAbort = () => socket.destroy(new TransportError('Aborted', { code: 'TRANSPORT_CONNECT_FAILED' }));
  target.signal?.addEventListener('abort', onAbort, { once: true });
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
    const key = randomBytes(16).toString('base64');
    socket.write(upgradeRequest(host, params.path, key));
    const { status, headers, rest } = await readResponseHead(socket);
    if (status !== 101 || headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      throw new Error(`upgrade refused (HTTP ${status})`);
    }
    if (headers.get('sec-websocket-accept') !== webSocketAccept(key)) throw new Error('bad Sec-WebSocket-Accept');
    return { socket, framing: createWsFraming('client'), head: rest };
  } catch (cause) {
    socket.destroy();
    if (cause instanceof TransportError) throw cause;
    throw new TransportError('WebSocket transport failed', { code: 'TRANSPORT_CONNECT_FAILED', cause });
  } finally {
    clearTimeout(timeout);
    target.signal?.removeEventListener('abort', onAbort);
  }
}

function readResponseHead(socket: TLSSocket): Promise<{ status: number; headers: Map<string, string>; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > WS_MAX_RESPONSE_HEAD) finish(new Error('response head too large'));
        return;
      }
      socket.pause();
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number((lines[0] ?? '').split(' ')[1]);
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      finish(undefined, { status, headers, rest: head.subarray(end + 4) });
    };
    const onClose = () => finish(new Error('closed during upgrade'));
    const finish = (error?: Error, value?: { status: number; headers: Map<string, string>; rest: Buffer }) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      if (error) reject(error);
      else resolve(value as { status: number; headers: Map<string, string>; rest: Buffer });
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}

export type WssServerParameters = {
  path: string;
  /** Speak TLS (PEM); absent: plain HTTP, for a TLS-terminating reverse proxy in front. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  coverPage?: string;
  onStream: (connection: TransportConnection) => void;
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
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const key = request.headers['sec-websocket-key'] as string;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${webSocketAccept(key)}\r\n\r\n`,
    );
    params.onStream({ socket, framing: createWsFraming('server'), head });
  });
  return server;
}
