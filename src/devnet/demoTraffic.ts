/**
 * The demo traffic of `npm start`: a local origin (127.0.0.1, random bytes of any size at
 * `/bytes/<n>`) and a loop that downloads 256 KiB to 4 MiB (log-uniform, `sessionShape.ts`) through the client's own
 * HTTP proxy every couple of seconds, so the dashboard's earnings, spend and throughput move. Each
 * download is paid per 64 KiB tick like any other traffic. `stop()` ends the loop and the origin.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { drawSessionShape } from '../audit/sessionShape.ts';
import { type Logger, silentLogger } from '../log/logger.ts';

export type DemoTraffic = {
  /** The origin's base URL, e.g. `http://127.0.0.1:43117` (try `curl --proxy … $origin/bytes/1048576`). */
  origin: string;
  readonly downloads: number;
  readonly bytes: number;
  stop(): Promise<void>;
};

export type StartDemoTrafficParameters = {
  /** The client's HTTP proxy, `host:port`. */
  httpProxy: string;
  intervalMs?: number;
  logger?: Logger;
};

const MAX_ORIGIN_BYTES = 64 * 1024 * 1024;

/** An origin serving `n` random bytes at `/bytes/<n>` (at most 64 MiB). */
export async function startDemoOrigin(): Promise<{ server: Server; port: number }> {
  const block = randomBytes(1024 * 1024);
  const server = createServer((req, res) => {
    const match = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
    const size = match ? Math.min(Number(match[1]), MAX_ORIGIN_BYTES) : undefined;
    if (size === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('try /bytes/1048576\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, block.length);
        left -= n;
        if (!res.write(block.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** Downloads `url` through the HTTP proxy; resolves with the bytes received. */
function fetchThroughProxy(httpProxy: string, url: string, timeoutMs: number): Promise<number> {
  const [host, port] = [
    httpProxy.slice(0, httpProxy.lastIndexOf(':')),
    Number(httpProxy.slice(httpProxy.lastIndexOf(':') + 1)),
  ];
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method: 'GET', path: url, timeout: timeoutMs }, (res) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      res.once('end', () => (res.statusCode === 200 ? resolve(received) : reject(new Error(`HTTP ${res.statusCode}`))));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', reject);
    req.end();
  });
}

export async function startDemoTraffic({
  httpProxy,
  intervalMs = 2_000,
  logger = silentLogger,
}: StartDemoTrafficParameters): Promise<DemoTraffic> {
  const { server, port } = await startDemoOrigin();
  const origin = `http://127.0.0.1:${port}`;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const stats = { downloads: 0, bytes: 0, failures: 0 };
  const round = async () => {
    // The same download sizes as a customer session's and an auditor's probe (`sessionShape.ts`).
    const size = drawSessionShape(intervalMs).downBytes;
    try {
      stats.bytes += await fetchThroughProxy(httpProxy, `${origin}/bytes/${size}`, 60_000);
      stats.downloads++;
    } catch (error) {
      stats.failures++;
      // The first failures are worth a line; after that, every 10th.
      if (!stopped && (stats.failures <= 3 || stats.failures % 10 === 0))
        logger.warn({ err: (error as Error).message, failures: stats.failures }, 'demo download failed');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(schedule);
    }, intervalMs);
  };
  running = round().finally(schedule);
  return {
    origin,
    get downloads() {
      return stats.downloads;
    },
    get bytes() {
      return stats.bytes;
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      server.closeAllConnections();
      await running.catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
