/**
 * A client that lies about its transport (speaks one transport to another's port, or garbage inside a
 * correct one) gets no session, no answer that says more than a wrong port would, and leaves the
 * listener serving honest clients.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as connectTcp } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { obfsProbeThreshold } from '../transport/obfs.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../transport/selfSignedCert.ts';
import type { TransportSpec } from '../transport/transportSpec.ts';
import { createWsCodec } from '../transport/wsFrame.ts';
import { upgradeRequest } from '../transport/wss.ts';
import { connectClientSession } from './connectClientSession.ts';
import { createExitPolicy } from './exitPolicy.ts';
import { startTunnelListener, type TunnelListener } from './startTunnelListener.ts';
import { generateStaticKeyPair } from './x25519.ts';

describe('a client that lies about its transport', () => {
  const staticKeys = generateStaticKeyPair();
  const psk = randomBytes(32);
  const path = `/${randomBytes(16).toString('base64url')}`;
  let cert: SelfSignedCert;
  let listener: TunnelListener;
  const port = (name: 'obfs' | 'wss') =>
    (listener.transports.find((t) => t.name === name) as { address: { port: number } }).address.port;
  const spec = (name: 'obfs' | 'wss') => listener.transports.find((t) => t.name === name)?.spec as TransportSpec;

  before(async () => {
    cert = selfSignedCert();
    listener = await startTunnelListener({
      staticKeys,
      policy: createExitPolicy({ devnet: true }),
      transports: [
        { name: 'obfs', psk },
        { name: 'wss', path, tls: cert, certSha256: cert.sha256 },
      ],
    });
  });
  after(async () => {
    await listener.close();
    removeCert(cert);
  });

  const hop = (p: number, transport?: TransportSpec) => ({
    host: '127.0.0.1',
    port: p,
    publicKey: staticKeys.publicKey,
    transport,
  });

  it('plain Noise to the obfs port: no session; the port answers like to any probe (nothing)', async () => {
    await assert.rejects(connectClientSession({ hops: [hop(port('obfs'))], signal: AbortSignal.timeout(1_000) }));
    const socket = connectTcp({ host: '127.0.0.1', port: port('obfs') });
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(randomBytes(obfsProbeThreshold(psk)));
    await new Promise((resolve) => socket.once('close', resolve));
    assert.equal(Buffer.concat(received).length, 0);
    assert.equal(listener.sessions.size, 0);
  });

  it('obfs to the plain port and to the wss port: no session', async () => {
    await assert.rejects(
      connectClientSession({ hops: [hop(listener.address.port, spec('obfs'))], signal: AbortSignal.timeout(1_000) }),
    );
    await assert.rejects(
      connectClientSession({ hops: [hop(port('wss'), spec('obfs'))], signal: AbortSignal.timeout(1_000) }),
    );
    assert.equal(listener.sessions.size, 0);
  });

  it('garbage inside a correct WebSocket upgrade: the stream ends, no session', async () => {
    const socket = connectTls({ host: '127.0.0.1', port: port('wss'), rejectUnauthorized: false });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    socket.write(upgradeRequest('127.0.0.1', path, randomBytes(16).toString('base64')));
    // A masked binary frame that is no Noise message, then an unmasked one (a framing violation).
    for (const piece of createWsCodec('client').encode([randomBytes(98)])) socket.write(piece);
    socket.write(Buffer.from([0x82, 0x03, 1, 2, 3]));
    socket.resume();
    await new Promise((resolve) => socket.once('close', resolve));
    assert.equal(listener.sessions.size, 0);
  });

  it('honest clients are still served on every port', async () => {
    for (const h of [hop(listener.address.port), hop(port('obfs'), spec('obfs')), hop(port('wss'), spec('wss'))]) {
      const session = await connectClientSession({ hops: [h] });
      await session.exit.ping(5_000);
      session.close();
    }
  });
});
