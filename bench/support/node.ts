/**
 * The bench's Bandex processes, one role per child process so each path's numbers come from separate
 * processes (as ss-local and ss-server are): `provider`, `client` (a client session through 1–3 hops
 * with a SOCKS5 front) and `swarm` (many client sessions to one provider). Started with `fork()` by
 * `bench/run.ts`; talks JSON over the IPC channel: it sends `{ kind: 'ready', … }` once listening and
 * answers `{ id, cmd, … }` requests with `{ id, kind: 'result', … }`. Exits when the parent goes away.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TransportListenConfig } from '../../src/transport/listenTransport.ts';
import { removeCert, selfSignedCert } from '../../src/transport/selfSignedCert.ts';
import { formatTransportParams, parseTransport } from '../../src/transport/transportSpec.ts';
import { type ClientSession, connectClientSession, type HopDescriptor } from '../../src/tunnel/connectClientSession.ts';
import { createExitPolicy } from '../../src/tunnel/exitPolicy.ts';
import { startSocksServer } from '../../src/tunnel/startSocksServer.ts';
import { startTunnelListener } from '../../src/tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../../src/tunnel/x25519.ts';
import { attachClientAccounting, attachProviderAccounting } from './accounting.ts';
import { childProcessCpuSeconds, readIoCounters } from './system.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    hops: { type: 'string' },
    accounting: { type: 'boolean', default: false },
    /** Provider: also serve this transport (obfs, wss or obfs4); its port and params are in the ready message. */
    transport: { type: 'string' },
  },
});
const role = positionals[0];

export type Request = { id: number; cmd: string; [key: string]: unknown };
type Handler = (request: Request) => Promise<Record<string, unknown>> | Record<string, unknown>;

function send(message: Record<string, unknown>): void {
  process.send?.(message);
}

function serve(handlers: Record<string, Handler>): void {
  process.on('message', async (message: Request) => {
    const handler = handlers[message.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      send({ ...(await handler(message)), id: message.id, kind: 'result' });
    } catch (error) {
      send({ id: message.id, kind: 'result', error: String((error as Error).stack ?? error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Memory after two full collections (needs `--expose-gc`). */
function memory(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

const stop = () => setImmediate(() => process.exit(0));

/** CPU time and read/write system calls so far (`/proc/self/io`, Linux). */
function counters() {
  const cpu = process.cpuUsage();
  // A transport program this process started (obfs4proxy) works for it: its CPU is this path's too.
  return { cpu: { ...cpu, user: cpu.user + childProcessCpuSeconds() * 1e6 }, io: readIoCounters('self') };
}

async function provider(): Promise<void> {
  const staticKeys = generateStaticKeyPair();
  const accounting = values.accounting ? await attachProviderAccounting() : undefined;
  const cert = values.transport === 'wss' ? selfSignedCert() : undefined;
  process.once('exit', () => cert && removeCert(cert));
  const transports: TransportListenConfig[] =
    values.transport === 'obfs'
      ? [{ name: 'obfs', psk: randomBytes(32) }]
      : values.transport === 'obfs4'
        ? [{ name: 'obfs4', stateDir: mkdtempSync(join(tmpdir(), 'bench-obfs4-')) }]
        : cert
          ? [
              // The TLS is the listener's own: the tunnel binds to it and sends clear records (`bind=1`).
              {
                name: 'wss',
                path: `/${randomBytes(16).toString('base64url')}`,
                tls: cert,
                certSha256: cert.sha256,
                bind: true,
              },
            ]
          : [];
  const listener = await startTunnelListener({
    staticKeys,
    policy: createExitPolicy({ devnet: true }),
    onSession: accounting?.onSession,
    transports,
  });
  const served = listener.transports[0];
  serve({
    memory: () => ({ ...memory(), sessions: listener.sessions.size }),
    stats: () => ({ ...counters(), accounting: accounting?.stats() }),
    stop: () => {
      stop();
      return {};
    },
  });
  send({
    kind: 'ready',
    port: served?.address.port ?? listener.address.port,
    publicKey: staticKeys.publicKey.toString('hex'),
    ...(served ? { transport: { name: served.name, params: formatTransportParams(served.spec) } } : {}),
    ...accounting?.ready,
  });
}

async function client(): Promise<void> {
  const hops = (
    JSON.parse(values.hops as string) as {
      port: number;
      publicKey: string;
      transport?: { name: string; params: string };
    }[]
  ).map(
    (h): HopDescriptor => ({
      host: '127.0.0.1',
      port: h.port,
      publicKey: Buffer.from(h.publicKey, 'hex'),
      transport: h.transport ? parseTransport(h.transport.name, h.transport.params) : undefined,
    }),
  );
  const session = await connectClientSession({ hops });
  const accounting = values.accounting ? await attachClientAccounting(session) : undefined;
  const socks = await startSocksServer({ openStream: session.openStream });
  serve({
    stats: () => ({ ...counters(), accounting: accounting?.stats() }),
    stop: () => {
      stop();
      return {};
    },
  });
  send({ kind: 'ready', socksPort: socks.address.port });
}

/** Downloads `path` from 127.0.0.1:port through `session`; returns the body length (throws unless 200 and complete). */
async function download(session: ClientSession, port: number, path: string): Promise<number> {
  const stream = await session.openStream({ host: '127.0.0.1', port });
  stream.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  let head: Buffer | undefined = Buffer.alloc(0);
  let expected = -1;
  let body = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      if (head) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const text = head.subarray(0, end).toString();
        if (!text.startsWith('HTTP/1.1 200')) return reject(new Error(text.split('\r\n')[0]));
        expected = Number(/content-length: *(\d+)/i.exec(text)?.[1] ?? -1);
        body = head.length - end - 4;
        head = undefined;
      } else body += chunk.length;
    });
    stream.once('end', () => (body === expected ? resolve() : reject(new Error(`short body ${body}/${expected}`))));
    stream.once('error', reject);
  });
  return body;
}

async function swarm(): Promise<void> {
  const sessions: ClientSession[] = [];
  const errors: string[] = [];
  const note = (error: unknown) => {
    if (errors.length < 5) errors.push(String((error as Error).message ?? error));
  };
  serve({
    /** Opens `count` sessions (each its own Noise handshake), `parallel` at a time. */
    connect: async ({ count, parallel, hop }) => {
      const descriptor = hop as { port: number; publicKey: string };
      const hops = [{ host: '127.0.0.1', port: descriptor.port, publicKey: Buffer.from(descriptor.publicKey, 'hex') }];
      let failed = 0;
      let next = 0;
      const start = performance.now();
      const worker = async () => {
        while (next < (count as number)) {
          next++;
          try {
            const session = await connectClientSession({ hops });
            session.exit.once('close', (error) => {
              if (error) note(error);
            });
            sessions.push(session);
          } catch (error) {
            failed++;
            note(error);
          }
        }
      };
      await Promise.all(Array.from({ length: parallel as number }, worker));
      return { connected: sessions.length, failed, ms: performance.now() - start, errors };
    },
    /** Every session downloads `path` at once; aggregate bytes/s over the wall time. */
    download: async ({ port, path }) => {
      let failed = 0;
      let bytes = 0;
      const start = performance.now();
      await Promise.all(
        sessions.map(async (session) => {
          try {
            const got = await download(session, port as number, path as string);
            bytes += got;
          } catch (error) {
            failed++;
            note(error);
          }
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      const open = sessions.filter((s) => !s.exit.closed).length;
      return { bytes, failed, seconds, bytesPerSecond: bytes / seconds, open, errors };
    },
    close: () => {
      for (const session of sessions) session.close();
      sessions.length = 0;
      return {};
    },
    stop: () => {
      stop();
      return {};
    },
  });
  send({ kind: 'ready' });
}

if (role === 'provider') await provider();
else if (role === 'client') await client();
else if (role === 'swarm') await swarm();
else throw new Error(`unknown role ${role}`);
