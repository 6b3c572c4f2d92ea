/**
 * Issue 20: an active prober (a censor that connects to a suspected server and replays or forges
 * handshakes) learns nothing. obfs: a replayed first packet, random bytes, a truncated or corrupted
 * hello and a hello under another key are all read in silence and closed at the same byte count,
 * never at the authentication boundary. wss: the same probes, and HTTP requests over TLS, get from
 * the transport's server what an ordinary HTTPS server with the cover site answers, byte for byte
 * (but the Date header and the handshake's random values).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { connect as connectTcp, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as connectTls } from 'node:tls';
import { DEFAULT_COVER_PAGE, serveCoverSite } from '../../src/transport/coverSite.ts';
import { obfsProbeThreshold } from '../../src/transport/obfs.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../../src/transport/selfSignedCert.ts';
import type { TransportSpec } from '../../src/transport/transportSpec.ts';
import { connectClientSession } from '../../src/tunnel/connectClientSession.ts';
import { createExitPolicy } from '../../src/tunnel/exitPolicy.ts';
import { startTunnelListener, type TunnelListener } from '../../src/tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../../src/tunnel/x25519.ts';
import { startRecordingProxy } from '../support/recordingProxy.ts';

const SNI = 'notes.example';

type Observation = { received: Buffer; ended: 'fin' | 'reset' };

function observe(socket: Socket): Promise<Observation> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') reset = true;
    });
    socket.once('close', () => resolve({ received: Buffer.concat(chunks), ended: reset ? 'reset' : 'fin' }));
  });
}

/** TLS records of a server's answer as (type, length) pairs. */
function tlsRecords(bytes: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const length = bytes.readUInt16BE(at + 3);
    out.push([bytes[at] as number, length]);
    at += 5 + length;
  }
  return out;
}

describe('active probing', { timeout: 120_000 }, () => {
  const staticKeys = generateStaticKeyPair();
  const psk = randomBytes(32);
  const path = `/${randomBytes(16).toString('base64url')}`;
  let cert: SelfSignedCert;
  let listener: TunnelListener;
  let cover: Server;
  let obfsPort: number;
  let wssPort: number;
  let coverPort: number;
  let capturedObfs: Buffer;
  let capturedWrongKey: Buffer;
  let capturedTls: Buffer;

  const capture = async (port: number, transport: TransportSpec, finish: 'session' | 'first') => {
    const proxy = await startRecordingProxy(port);
    const attempt = connectClientSession({
      hops: [{ host: '127.0.0.1', port: proxy.port, publicKey: staticKeys.publicKey, transport }],
      signal: finish === 'first' ? AbortSignal.timeout(2_000) : undefined,
    });
    if (finish === 'session') (await attempt).close();
    else await attempt.catch(() => {});
    await proxy.closed(1);
    await proxy.close();
    return (proxy.flights[0] as { client1: Buffer }).client1;
  };

  before(async () => {
    cert = selfSignedCert(SNI);
    listener = await startTunnelListener({
      staticKeys,
      policy: createExitPolicy({ devnet: true }),
      transports: [
        { name: 'obfs', psk },
        { name: 'wss', path, tls: cert, serverName: SNI, certSha256: cert.sha256 },
      ],
    });
    cover = createHttpsServer(
      { key: cert.key, cert: cert.cert, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] },
      (q, r) => serveCoverSite(DEFAULT_COVER_PAGE, q, r),
    );
    await new Promise<void>((resolve) => cover.listen(0, '127.0.0.1', resolve));
    const [obfs, wss] = listener.transports as unknown as [
      { address: { port: number } },
      { address: { port: number } },
    ];
    obfsPort = obfs.address.port;
    wssPort = wss.address.port;
    coverPort = (cover.address() as { port: number }).port;
    capturedObfs = await capture(obfsPort, { name: 'obfs', psk }, 'session');
    capturedWrongKey = await capture(obfsPort, { name: 'obfs', psk: randomBytes(32) }, 'first');
    capturedTls = await capture(wssPort, listener.transports[1]?.spec as TransportSpec, 'session');
  });
  after(async () => {
    await listener?.close();
    await new Promise((resolve) => cover?.close(resolve));
    if (cert) removeCert(cert);
  });

  it('obfs: every probe is read in silence and closed at the same byte count, whatever it was', async (t) => {
    const threshold = obfsProbeThreshold(psk);
    const corrupted = Buffer.from(capturedObfs);
    corrupted[40] = (corrupted[40] as number) ^ 1;
    const probes: Record<string, Buffer> = {
      'replayed first packet': capturedObfs,
      'random bytes': randomBytes(capturedObfs.length),
      'truncated hello': capturedObfs.subarray(0, 40),
      'corrupted hello': corrupted,
      'hello under another key': capturedWrongKey,
      'one zero byte': Buffer.alloc(1),
    };
    const seen: string[] = [];
    for (const [name, probe] of Object.entries(probes)) {
      const socket = connectTcp({ host: '127.0.0.1', port: obfsPort });
      const observation = observe(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
      // Up to one byte short of the threshold: the server must still be listening, silently.
      const first = Buffer.concat([probe, randomBytes(Math.max(0, threshold - 1 - probe.length))]);
      await new Promise((resolve) => socket.write(first, resolve));
      await sleep(100);
      assert.equal(socket.destroyed || socket.readableEnded, false, `${name}: closed before the threshold`);
      socket.write(Buffer.alloc(1));
      const { received, ended } = await observation;
      assert.equal(received.length, 0, `${name}: the server answered`);
      seen.push(ended);
      t.diagnostic(`${name} (${probe.length} bytes): silent, closed by ${ended} at byte ${threshold}`);
    }
    assert.equal(new Set(seen).size, 1, `close kinds differ: ${seen.join(', ')}`);
  });

  it('wss: TLS-level probes get the same answer as the cover HTTPS server', async (t) => {
    const probes: Record<string, Buffer> = {
      'replayed ClientHello': capturedTls,
      'truncated ClientHello': capturedTls.subarray(0, 60),
      'random bytes': randomBytes(300),
      'plain HTTP to the TLS port': Buffer.from(`GET / HTTP/1.1\r\nHost: ${SNI}\r\n\r\n`),
    };
    for (const [name, probe] of Object.entries(probes)) {
      const answers: Observation[] = [];
      for (const port of [wssPort, coverPort]) {
        const socket = connectTcp({ host: '127.0.0.1', port });
        const observation = observe(socket);
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.end(probe);
        answers.push(await observation);
      }
      const [transport, site] = answers as [Observation, Observation];
      const [a, b] = [tlsRecords(transport.received), tlsRecords(site.received)];
      t.diagnostic(`${name}: ${JSON.stringify(a)} / ${JSON.stringify(b)}, ${transport.ended}/${site.ended}`);
      assert.deepEqual(
        a.map(([type]) => type),
        b.map(([type]) => type),
        name,
      );
      // Lengths match but for the ECDSA signature's DER encoding (a byte or two either way).
      for (const [i, [, length]] of a.entries()) assert.ok(Math.abs(length - (b[i] as [number, number])[1]) <= 2, name);
      assert.equal(transport.ended, site.ended, name);
    }
  });

  it('wss: HTTP probes inside TLS (wrong paths, a WebSocket upgrade without the secret) get the cover site', async () => {
    const requests = [
      `GET / HTTP/1.1\r\nHost: ${SNI}\r\nConnection: close\r\n\r\n`,
      `GET /index.html HTTP/1.1\r\nHost: ${SNI}\r\nConnection: close\r\n\r\n`,
      `GET /${randomBytes(16).toString('base64url')} HTTP/1.1\r\nHost: ${SNI}\r\nConnection: close\r\n\r\n`,
      `GET ${path.slice(0, -1)}${path.endsWith('A') ? 'B' : 'A'} HTTP/1.1\r\nHost: ${SNI}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      `GET ${path} HTTP/1.1\r\nHost: ${SNI}\r\nConnection: close\r\n\r\n`,
      `POST / HTTP/1.1\r\nHost: ${SNI}\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`,
      `HEAD / HTTP/1.0\r\n\r\n`,
      'NONSENSE\r\n\r\n',
    ];
    const normalise = (raw: Buffer) => raw.toString('latin1').replace(/\r\nDate: [^\r]*/i, '');
    for (const request of requests) {
      const answers: Observation[] = [];
      for (const port of [wssPort, coverPort]) {
        const socket = connectTls({
          host: '127.0.0.1',
          port,
          servername: SNI,
          rejectUnauthorized: false,
          ALPNProtocols: ['http/1.1'],
        });
        const observation = observe(socket);
        await new Promise((resolve) => socket.once('secureConnect', resolve));
        socket.write(request);
        // A server that keeps the connection open (an upgrade answered as a normal request) is closed by the prober.
        const timer = setTimeout(() => socket.end(), 300);
        answers.push(await observation);
        clearTimeout(timer);
      }
      const [transport, site] = answers as [Observation, Observation];
      assert.equal(normalise(transport.received), normalise(site.received), request.split('\r\n')[0]);
      assert.ok(transport.received.length > 0);
    }
  });
});
