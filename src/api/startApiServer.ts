/**
 * A daemon's local HTTP API router, bound to localhost by default.
 *
 * - Routes are keyed `'/path'` (a `GET`) or `'METHOD /path'`; a key ending in `/*` matches a prefix.
 * - A handler returns a value written as JSON (bigints as decimal strings: wei amounts exceed 2^53),
 *   a `textResponse(...)`, or `HANDLED` when it wrote the response itself (the event stream).
 * - The rule for money and state: `GET` and `HEAD` only read. Every other method spends money or
 *   changes state, so the router requires `Authorization: Bearer <token>` for it, before the
 *   handler runs (401 without, 403 when the server has no token: fail closed).
 * - Bound to a loopback address, the router answers only requests whose `Host` is a loopback name
 *   (a web page on another site cannot reach the API through DNS rebinding). No CORS headers.
 * - Unknown paths get 404, a known path with another method 405, a failing handler 500 with a
 *   one-line error — never a crash.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../log/logger.ts';

export type ApiRequest = {
  method: string;
  path: string;
  url: URL;
  req: IncomingMessage;
  res: ServerResponse;
  /** The parsed JSON body (`undefined` when empty); at most 64 KiB. */
  body(): Promise<unknown>;
};

export type ApiHandler = (request: ApiRequest) => unknown | Promise<unknown>;
export type ApiRoutes = Record<string, ApiHandler>;

export type ApiServer = { url: string; server: Server; close(): Promise<void> };

export type StartApiServerParameters = {
  routes: ApiRoutes;
  host?: string;
  port?: number;
  /** The bearer token required for every method other than GET/HEAD. Without one those are refused. */
  token?: string;
  /** Called just before the server closes (ends event streams). */
  onClose?: () => void;
  logger?: Logger;
};

/** A handler's answer when it already wrote the response (e.g. a server-sent-events stream). */
export const HANDLED: unique symbol = Symbol('handled');

const TEXT = Symbol('text');
export type TextResponse = {
  [TEXT]: true;
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
};

/** A non-JSON answer: metrics text, a dashboard file. */
export function textResponse(
  body: string | Buffer,
  contentType: string,
  status = 200,
  headers?: Record<string, string>,
): TextResponse {
  return { [TEXT]: true, status, contentType, body, headers };
}

/** An error a handler throws to answer with a status other than 500. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
}

const READ_METHODS = new Set(['GET', 'HEAD']);
const MAX_BODY = 64 * 1024;
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True for addresses that only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'API_BODY_TOO_LARGE', `a request body is at most ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new ApiError(400, 'API_BAD_JSON', 'the request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** Finds the handler for `method path`: exact keys first, then the longest `/*` prefix. */
function findRoute(routes: ApiRoutes, method: string, path: string): { handler?: ApiHandler; allowed: string[] } {
  const allowed: string[] = [];
  let handler: ApiHandler | undefined;
  let best = -1;
  for (const [key, h] of Object.entries(routes)) {
    const space = key.indexOf(' ');
    const routeMethod = space > 0 ? key.slice(0, space).toUpperCase() : 'GET';
    const pattern = space > 0 ? key.slice(space + 1) : key;
    const prefix = pattern.endsWith('/*') ? pattern.slice(0, -1) : undefined;
    const matches = prefix ? path.startsWith(prefix) : path === pattern;
    if (!matches) continue;
    allowed.push(routeMethod);
    const score = prefix ? prefix.length : Number.MAX_SAFE_INTEGER;
    const methodOk = routeMethod === method || (routeMethod === 'GET' && method === 'HEAD');
    if (methodOk && score > best) {
      handler = h;
      best = score;
    }
  }
  return { handler, allowed };
}

export async function startApiServer({
  routes,
  host = '127.0.0.1',
  port = 0,
  token,
  onClose,
  logger = silentLogger,
}: StartApiServerParameters): Promise<ApiServer> {
  const checkHost = isLoopback(host);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.headersSent) return res.end();
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
      res.end(method === 'HEAD' ? undefined : `${toJson(body)}\n`);
    };
    if (checkHost) {
      const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK_NAMES.has(hostname) && !/^127\.\d+\.\d+\.\d+$/.test(hostname)) {
        return send(403, { error: 'this API answers only requests addressed to localhost', code: 'API_BAD_HOST' });
      }
    }
    const { handler, allowed } = findRoute(routes, method, path);
    if (!handler) {
      if (allowed.length > 0)
        return send(
          405,
          { error: `${method} is not allowed on ${path}`, code: 'API_METHOD' },
          { allow: allowed.join(', ') },
        );
      return send(404, { error: `no route ${path}`, code: 'API_NOT_FOUND' });
    }
    if (!READ_METHODS.has(method)) {
      if (!token)
        return send(403, { error: 'this server has no API token; state changes are off', code: 'API_NO_TOKEN' });
      if (!bearerMatches(req.headers.authorization, token)) {
        return send(
          401,
          {
            error: 'this request changes state: send Authorization: Bearer <token from the api.token file>',
            code: 'API_UNAUTHORIZED',
          },
          { 'www-authenticate': 'Bearer realm="bandex"' },
        );
      }
    }
    try {
      const result = await handler({ method, path, url, req, res, body: () => readBody(req) });
      if (result === HANDLED) return;
      if (result && typeof result === 'object' && TEXT in result) {
        const text = result as TextResponse;
        res.writeHead(text.status, { 'content-type': text.contentType, 'cache-control': 'no-store', ...text.headers });
        res.end(method === 'HEAD' ? undefined : text.body);
        return;
      }
      send(200, result);
    } catch (error) {
      if (error instanceof ApiError) return send(error.status, { error: error.message, code: error.code });
      logger.warn({ err: error, path }, 'api handler failed');
      const code = (error as { code?: unknown }).code;
      send(500, {
        error: error instanceof Error ? error.message : String(error),
        code: typeof code === 'string' ? code : undefined,
      });
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        onClose?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
