/**
 * Issue 20: the wss transport behind nginx, a TLS-terminating WebSocket reverse proxy (the provider's
 * listener speaks plain HTTP on loopback; nginx holds the certificate). A client session reaches the
 * exit through nginx and downloads; anyone without the secret path gets the cover site from nginx.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../../src/transport/selfSignedCert.ts';
import type { TransportSpec } from '../../src/transport/transportSpec.ts';
import { connectClientSession } from '../../src/tunnel/connectClientSession.ts';
import { createExitPolicy } from '../../src/tunnel/exitPolicy.ts';
import { startTunnelListener, type TunnelListener } from '../../src/tunnel/startTunnelListener.ts';
import { generateStaticKeyPair } from '../../src/tunnel/x25519.ts';
import { type NginxProxy, startNginxProxy } from '../support/nginxProxy.ts';
import { type Origin, startOrigin } from '../support/tunnelHarness.ts';

const SNI = 'notes.example';

async function fetchOverTls(port: number, request: string): Promise<string> {
  const socket = connectTls({ host: '127.0.0.1', port, servername: SNI, rejectUnauthorized: false });
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => {
    chunks.push(c);
    // A kept-alive connection (an upgrade answered as a page) is closed once the page is in.
    if (Buffer.concat(chunks).includes('</html>')) socket.end();
  });
  socket.once('secureConnect', () => socket.write(request));
  await new Promise((resolve, reject) => {
    socket.once('close', resolve);
    socket.once('error', reject);
  });
  return Buffer.concat(chunks).toString('latin1');
}

describe('wss behind nginx (TLS-terminating WebSocket reverse proxy)', { timeout: 60_000 }, () => {
  const staticKeys = generateStaticKeyPair();
  const path = `/${randomBytes(16).toString('base64url')}`;
  let cert: SelfSignedCert;
  let listener: TunnelListener;
  let nginx: NginxProxy;
  let origin: Origin;

  before(async () => {
    cert = selfSignedCert(SNI);
    origin = await startOrigin(2 * 1024 * 1024 + 5);
    // No `tls`: the listener speaks HTTP; nginx terminates TLS in front of it.
    listener = await startTunnelListener({
      staticKeys,
      policy: createExitPolicy({ devnet: true }),
      transports: [{ name: 'wss', path, serverName: SNI, certSha256: cert.sha256 }],
    });
    nginx = await startNginxProxy((listener.transports[0] as { address: { port: number } }).address.port, cert);
  });
  after(async () => {
    await nginx?.close();
    await listener?.close();
    await origin?.close();
    if (cert) removeCert(cert);
  });

  it('a session through nginx downloads through the exit', async () => {
    const spec = listener.transports[0]?.spec as TransportSpec;
    const session = await connectClientSession({
      hops: [{ host: '127.0.0.1', port: nginx.port, publicKey: staticKeys.publicKey, transport: spec }],
    });
    try {
      const stream = await session.openStream({ host: '127.0.0.1', port: origin.port });
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      await new Promise((resolve, reject) => {
        stream.once('end', resolve);
        stream.once('error', reject);
      });
      const raw = Buffer.concat(chunks);
      assert.ok(raw.subarray(raw.indexOf('\r\n\r\n') + 4).equals(origin.body));
    } finally {
      session.close();
    }
  });

  it('without the secret path, nginx serves the cover site', async () => {
    const page = await fetchOverTls(nginx.port, `GET / HTTP/1.1\r\nHost: ${SNI}\r\nConnection: close\r\n\r\n`);
    assert.match(page, /^HTTP\/1\.1 200 OK/);
    assert.match(page, /Server: nginx/i);
    assert.match(page, /<title>Notes<\/title>/);
    const upgrade = await fetchOverTls(
      nginx.port,
      `GET /${randomBytes(16).toString('base64url')} HTTP/1.1\r\nHost: ${SNI}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    assert.match(upgrade, /^HTTP\/1\.1 404 Not Found/);
  });
});
