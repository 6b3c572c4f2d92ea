/**
 * The `obfs4` transport: Debian's `obfs4proxy` (0.0.14), the pluggable transport Tor bridges use, run as a managed
 * transport on both sides — interoperable with any obfs4 implementation, and with what our own `obfs` lacks:
 * keys on the wire encoded with Elligator2 (indistinguishable from random without the server's `cert`) and
 * obfs4's iat modes. The provider runs it as a server in front of an Extended ORPort of ours (`extOrPort.ts`:
 * the transport proves it holds our cookie and tells us each client's address); the client runs one
 * `obfs4proxy` per process and dials through its SOCKS5 port, passing the server's `cert` and `iat-mode` as
 * SOCKS5 credentials (pt-spec §3.5). The bytes that come out are the tunnel's own (as on `plain`).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectTcp } from './connectTcp.ts';
import { TRANSPORT_AUTH_TIMEOUT_MS } from './constants.ts';
import { ExactReader } from './ExactReader.ts';
import { TransportError } from './errors.ts';
import { acceptExtOrPort, writeExtOrPortCookie } from './extOrPort.ts';
import { type ManagedTransport, startManagedTransport } from './managedTransport.ts';
import { OBFS4_CERT_LEN, type Obfs4IatMode, type TransportSpec } from './transportSpec.ts';

/** The program, found on PATH (Debian: `apt-get install obfs4proxy`). */
export const OBFS4PROXY = process.env.BANDEX_OBFS4PROXY ?? 'obfs4proxy';

export type Obfs4ServerParameters = {
  host: string;
  port?: number;
  /** Where obfs4proxy keeps its keys (`obfs4_state.json`): the same directory keeps the same `cert`. */
  stateDir: string;
  iatMode?: Obfs4IatMode;
  onStream: (socket: Socket) => void;
};

export type Obfs4Server = {
  address: { host: string; port: number };
  spec: Extract<TransportSpec, { name: 'obfs4' }>;
  close(): Promise<void>;
};

/** obfs4's `cert` as obfs4proxy prints it (base64 without padding) → bytes. */
function certFromArgs(text: string | undefined): Buffer {
  const cert = Buffer.from(text ?? '', 'base64');
  if (cert.length !== OBFS4_CERT_LEN) {
    throw new TransportError('obfs4proxy reported no usable cert', { code: 'TRANSPORT_CONNECT_FAILED' });
  }
  return cert;
}

export async function listenObfs4(params: Obfs4ServerParameters): Promise<Obfs4Server> {
  mkdirSync(params.stateDir, { recursive: true, mode: 0o700 });
  // One cookie per listener (obfs4proxy reads the file at each connection: a second listener on the same state
  // directory must not replace the first one's), removed when it closes.
  const cookieFile = join(params.stateDir, `extorport-${randomBytes(6).toString('hex')}.cookie`);
  const cookie = writeExtOrPortCookie(cookieFile);
  const sockets = new Set<Socket>();
  const ext: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    void acceptExtOrPort(socket, cookie).then((client) => {
      if (!client) return;
      // The tunnel names a connection's source by its socket's peer: here the client obfs4proxy saw, not the
      // loopback connection from obfs4proxy to us.
      if (client.address) {
        Object.defineProperty(socket, 'remoteAddress', { value: client.address.host });
        Object.defineProperty(socket, 'remotePort', { value: client.address.port });
      }
      if (client.head.length > 0) socket.unshift(client.head);
      socket.resume();
      params.onStream(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    ext.once('error', reject);
    ext.listen(0, '127.0.0.1', () => resolve());
  });
  const extPort = (ext.address() as { port: number }).port;
  const closeExt = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      rmSync(cookieFile, { force: true });
      ext.close(() => resolve());
    });
  let pt: ManagedTransport;
  try {
    const bind = isIP(params.host) === 6 ? `[${params.host}]` : params.host;
    pt = await startManagedTransport(OBFS4PROXY, {
      TOR_PT_STATE_LOCATION: params.stateDir,
      TOR_PT_SERVER_TRANSPORTS: 'obfs4',
      TOR_PT_SERVER_BINDADDR: `obfs4-${bind}:${params.port ?? 0}`,
      TOR_PT_SERVER_TRANSPORT_OPTIONS: `obfs4:iat-mode=${params.iatMode ?? 0}`,
      TOR_PT_EXTENDED_SERVER_PORT: `127.0.0.1:${extPort}`,
      TOR_PT_AUTH_COOKIE_FILE: cookieFile,
    });
  } catch (error) {
    await closeExt();
    throw error;
  }
  const method = pt.methods.find((m) => m.kind === 'smethod' && m.transport === 'obfs4');
  if (method?.kind !== 'smethod') {
    await pt.stop();
    await closeExt();
    throw new TransportError('obfs4proxy serves no obfs4 method', { code: 'TRANSPORT_CONNECT_FAILED' });
  }
  const iat = Number(method.args.get('iat-mode') ?? params.iatMode ?? 0);
  return {
    address: { host: method.host, port: method.port },
    spec: {
      name: 'obfs4',
      cert: certFromArgs(method.args.get('cert')),
      iatMode: (iat === 1 || iat === 2 ? iat : 0) as Obfs4IatMode,
    },
    close: async () => {
      await pt.stop();
      await closeExt();
    },
  };
}

/** The client side's one obfs4proxy per process, started at the first dial (and again if it died). */
let client: Promise<{ host: string; port: number; pt: ManagedTransport }> | undefined;

function clientTransport(): Promise<{ host: string; port: number; pt: ManagedTransport }> {
  if (!client) {
    client = (async () => {
      const pt = await startManagedTransport(OBFS4PROXY, {
        TOR_PT_STATE_LOCATION: mkdtempSync(join(tmpdir(), 'bandex-obfs4-')),
        TOR_PT_CLIENT_TRANSPORTS: 'obfs4',
      });
      // It must not keep this process alive; it exits when our end of its stdin closes (pt-spec).
      pt.process.unref();
      (pt.process.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      (pt.process.stdout as unknown as { unref?: () => void } | null)?.unref?.();
      pt.process.once('exit', () => {
        client = undefined;
      });
      const method = pt.methods.find((m) => m.kind === 'cmethod' && m.transport === 'obfs4');
      if (method?.kind !== 'cmethod' || method.protocol !== 'socks5') {
        await pt.stop();
        throw new TransportError('obfs4proxy offers no SOCKS5 obfs4 method', { code: 'TRANSPORT_CONNECT_FAILED' });
      }
      return { host: method.host, port: method.port, pt };
    })();
    client.catch(() => {
      client = undefined;
    });
  }
  return client;
}

/** Stops this process's obfs4proxy client, if one runs (tests; it also exits with the process). */
export async function stopObfs4Client(): Promise<void> {
  const running = client;
  client = undefined;
  await (await running?.catch(() => undefined))?.pt.stop();
}

/** SOCKS5 CONNECT to `target` through obfs4proxy, the server's cert and iat-mode as credentials (pt-spec §3.5). */
export async function dialObfs4(
  target: { host: string; port: number; signal?: AbortSignal; timeoutMs?: number },
  spec: Extract<TransportSpec, { name: 'obfs4' }>,
): Promise<Socket> {
  const pt = await clientTransport();
  const socket = await connectTcp({ host: pt.host, port: pt.port, signal: target.signal });
  const reader = new ExactReader(socket);
  const onAbort = () => socket.destroy();
  target.signal?.addEventListener('abort', onAbort, { once: true });
  // obfs4proxy answers the CONNECT once obfs4's handshake is done: a server that stays silent (a wrong cert, a
  // censor dropping the flow) is a timeout, a blocking failure the client switches away from.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    socket.destroy();
  }, target.timeoutMs ?? TRANSPORT_AUTH_TIMEOUT_MS);
  try {
    socket.write(Buffer.from([5, 1, 2]));
    const method = await reader.read(2);
    if (method[0] !== 5 || method[1] !== 2) throw new Error('obfs4proxy refused username/password authentication');
    // Under 255 bytes the arguments are the username and the password is one NUL byte (pt-spec §3.5).
    const args = Buffer.from(`cert=${spec.cert.toString('base64').replace(/=+$/, '')};iat-mode=${spec.iatMode}`);
    socket.write(Buffer.concat([Buffer.from([1, args.length]), args, Buffer.from([1, 0])]));
    const auth = await reader.read(2);
    if (auth[1] !== 0) throw new Error('obfs4proxy refused the arguments');
    socket.write(socksConnectRequest(target.host, target.port));
    const reply = await reader.read(4);
    if (reply[1] !== 0) throw new Error(`obfs4 connection failed (SOCKS5 reply ${reply[1]})`);
    const rest = reply[3] === 1 ? 4 : reply[3] === 4 ? 16 : ((await reader.read(1))[0] ?? 0);
    await reader.read(rest + 2);
  } catch (cause) {
    reader.detach();
    socket.destroy();
    if (timedOut) throw new TransportError('obfs4 handshake timed out', { code: 'TRANSPORT_TIMEOUT', cause });
    throw new TransportError('obfs4 transport failed', { code: 'TRANSPORT_CONNECT_FAILED', cause });
  } finally {
    clearTimeout(timer);
    target.signal?.removeEventListener('abort', onAbort);
  }
  const head = reader.detach();
  if (head.length > 0) socket.unshift(head);
  socket.resume();
  return socket;
}

/** The 16 bytes of an IPv6 literal (with `::` and an optional embedded IPv4 tail). */
function ipv6Bytes(host: string): Buffer {
  const [head = '', tail] = host.split('::');
  const groups = (part: string | undefined): number[] =>
    !part ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ipv4Groups(g) : [Number.parseInt(g, 16)]));
  const ipv4Groups = (v4: string) => {
    const b = v4.split('.').map(Number);
    return [((b[0] ?? 0) << 8) | (b[1] ?? 0), ((b[2] ?? 0) << 8) | (b[3] ?? 0)];
  };
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  const out = Buffer.alloc(16);
  for (const [i, g] of all.entries()) out.writeUInt16BE(g, i * 2);
  return out;
}

function socksConnectRequest(host: string, port: number): Buffer {
  const portBytes = Buffer.from([port >> 8, port & 0xff]);
  if (isIP(host) === 4) return Buffer.concat([Buffer.from([5, 1, 0, 1, ...host.split('.').map(Number)]), portBytes]);
  if (isIP(host) === 6) return Buffer.concat([Buffer.from([5, 1, 0, 4]), ipv6Bytes(host), portBytes]);
  const name = Buffer.from(host);
  return Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, portBytes]);
}
