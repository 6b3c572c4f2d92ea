/**
 * Every transport under a real tunnel: a provider's listener with obfs and wss ports next to plain,
 * a client session over each, a download through the exit; and each transport's refusals.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { muxGet, type Origin, startOrigin } from '../../test/support/tunnelHarness.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../transport/selfSignedCert.ts';
import type { TransportSpec } from '../transport/transportSpec.ts';
import { connectClientSession } from './connectClientSession.ts';
import { createExitPolicy } from './exitPolicy.ts';
import { startTunnelListener, type TunnelListener } from './startTunnelListener.ts';
import { generateStaticKeyPair } from './x25519.ts';

describe('transports under the tunnel', () => {
  const staticKeys = generateStaticKeyPair();
  const psk = randomBytes(32);
  const path = `/${randomBytes(16).toString('base64url')}`;
  let cert: SelfSignedCert;
  let listener: TunnelListener;
  let origin: Origin;

  before(async () => {
    cert = selfSignedCert();
    origin = await startOrigin(3 * 1024 * 1024 + 17);
    listener = await startTunnelListener({
      staticKeys,
      policy: createExitPolicy({ devnet: true }),
      transports: [
        { name: 'obfs', psk },
        { name: 'wss', path, tls: { key: cert.key, cert: cert.cert }, certSha256: cert.sha256 },
      ],
    });
  });
  after(async () => {
    await listener.close();
    await origin.close();
    removeCert(cert);
  });

  const hopFor = (name: 'plain' | 'obfs' | 'wss') => {
    if (name === 'plain') return { ...listener.address, transport: { name: 'plain' } as TransportSpec };
    const server = listener.transports.find((t) => t.name === name);
    assert.ok(server);
    return { ...server.address, transport: server.spec };
  };

  for (const name of ['plain', 'obfs', 'wss'] as const) {
    it(`downloads 3 MiB through a ${name} hop 1`, async () => {
      const hop = hopFor(name);
      const session = await connectClientSession({ hops: [{ ...hop, publicKey: staticKeys.publicKey }] });
      try {
        const body = await muxGet(await session.openStream({ host: '127.0.0.1', port: origin.port }), origin.port);
        assert.equal(body.length, origin.body.length);
        assert.ok(body.equals(origin.body));
      } finally {
        session.close();
      }
    });
  }

  it('downloads through an obfs hop 1 with timing jitter (iat)', async () => {
    const hop = hopFor('obfs');
    const transport = { ...(hop.transport as TransportSpec & { name: 'obfs' }), jitterMs: 3 };
    const session = await connectClientSession({ hops: [{ ...hop, transport, publicKey: staticKeys.publicKey }] });
    try {
      const body = await muxGet(await session.openStream({ host: '127.0.0.1', port: origin.port }), origin.port);
      assert.ok(body.equals(origin.body));
    } finally {
      session.close();
    }
  });

  it('a 2-hop path with hop 1 over wss: the RELAY open and its result leave without data behind them', async () => {
    // The wss holds (docs/transports.md): the relay OPEN waits at most 10 ms for data, its result 50 ms.
    const secondKeys = generateStaticKeyPair();
    const second = await startTunnelListener({ staticKeys: secondKeys, policy: createExitPolicy({ devnet: true }) });
    try {
      const session = await connectClientSession({
        hops: [
          { ...hopFor('wss'), publicKey: staticKeys.publicKey },
          { ...second.address, publicKey: secondKeys.publicKey },
        ],
      });
      try {
        const body = await muxGet(await session.openStream({ host: '127.0.0.1', port: origin.port }), origin.port);
        assert.ok(body.equals(origin.body));
      } finally {
        session.close();
      }
    } finally {
      await second.close();
    }
  });

  it('an obfs client with another key gets no session (and no answer)', async () => {
    const hop = hopFor('obfs');
    await assert.rejects(
      connectClientSession({
        hops: [{ ...hop, transport: { name: 'obfs', psk: randomBytes(32) }, publicKey: staticKeys.publicKey }],
        signal: AbortSignal.timeout(1_500),
      }),
    );
  });

  it('a wss client with the wrong path is refused (it got the cover site)', async () => {
    const hop = hopFor('wss');
    await assert.rejects(
      connectClientSession({
        hops: [
          {
            ...hop,
            transport: {
              ...(hop.transport as TransportSpec & { name: 'wss' }),
              path: `/${randomBytes(16).toString('base64url')}`,
            },
            publicKey: staticKeys.publicKey,
          },
        ],
      }),
      (error: Error & { code?: string }) =>
        error.code === 'TRANSPORT_CONNECT_FAILED' && /HTTP 404/.test(String((error.cause as Error)?.message)),
    );
  });

  it('a wss client refuses a certificate other than the pinned one', async () => {
    const hop = hopFor('wss');
    await assert.rejects(
      connectClientSession({
        hops: [
          {
            ...hop,
            transport: { ...(hop.transport as TransportSpec & { name: 'wss' }), certSha256: 'ab'.repeat(32) },
            publicKey: staticKeys.publicKey,
          },
        ],
      }),
      { code: 'TRANSPORT_CONNECT_FAILED' },
    );
  });
});
