/**
 * A daemon's local HTTP API: JSON over `GET` routes, bound to localhost by default. Bigints are
 * written as decimal strings (wei amounts exceed 2^53). Unknown paths get 404, other methods 405,
 * a failing handler 500 with a one-line error — never a crash.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, silentLogger } from '../log/logger.ts';

export type ApiRoutes = Record<string, () => unknown | Promise<unknown>>;

export type ApiServer = { url: string; server: Server; close(): Promise<void> };

export type StartApiServerParameters = { routes: ApiRoutes; host?: string; port?: number; logger?: Logger };

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
}

export async function startApiServer({
  routes,
  host = '127.0.0.1',
  port = 0,
  logger = silentLogger,
}: StartApiServerParameters): Promise<ApiServer> {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes[path];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(`${toJson(body)}\n`);
    };
    if (!route) return send(404, { error: `no route ${path}`, routes: Object.keys(routes) });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'only GET is supported' });
    try {
      send(200, await route());
    } catch (error) {
      logger.warn({ err: error, path }, 'api handler failed');
      send(500, { error: error instanceof Error ? error.message : String(error) });
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
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
