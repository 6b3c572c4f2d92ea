/**
 * wss with `bind=1` (docs/transports.md, "Channel binding and clear records"): hop 1's Noise handshake carries the
 * TLS session's exporter in its prologue, and its records are clear inside TLS. Real sockets and processes' parts
 * throughout: a provider's listener, a client session, a download through the exit, and a TLS-terminating
 * middlebox that holds the provider's key and certificate (an undeclared CDN, a stolen key) relaying in between.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect as connectTcp, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { muxGet, type Origin, startOrigin } from '../../test/support/tunnelHarness.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { isBlockingFailure } from '../transport/BlockedTransports.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../transport/selfSignedCert.ts';
import type { TransportSpec } from '../transport/transportSpec.ts';
import { createWssServer, TLS_EXPORTER_LEN, tlsBinding } from '../transport/wss.ts';
import { WSS_CLIENT_TLS } from '../transport/wssClientTls.ts';
import { connectClientSession } from './connectClientSession.ts';
import { createExitPolicy } from './exitPolicy.ts';
import { SecureChannel } from './SecureChannel.ts';
import { startTunnelListener, type TunnelListener } from './startTunnelListener.ts';
import { generateStaticKeyPair } from './x25519.ts';

type WssSpec = TransportSpec & { name: 'wss' };

/** How many of 32 windows of 64 bytes spread over `body` appear verbatim in `seen` (the download in clear). */
function windowsSeen(body: Buffer, seen: Buffer): number {
  let found = 0;
  for (let i = 0; i < 32; i++) {
    const at = Math.floor(((i + 0.5) * (body.length - 64)) / 32);
    if (seen.includes(body.subarray(at, at + 64))) found++;
  }
  return found;
}

/**
 * A TLS-terminating middlebox with the provider's key and certificate: it accepts the client's TLS (the pin
 * matches), opens its own connection to the provider (TLS, or plain HTTP to a backend behind it) and relays the
 * plaintext both ways, keeping a copy of everything it relays.
 */
async function startMiddlebox(
  cert: SelfSignedCert,
  backend: { port: number; tls: boolean },
  maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.3',
): Promise<{ port: number; up: Buffer[]; down: Buffer[]; close(): Promise<void> }> {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createTlsServer(
    { key: cert.key, cert: cert.cert, ALPNProtocols: ['http/1.1'], maxVersion },
    (client: TLSSocket) => {
      const provider: Socket = backend.tls
        ? connectTls({ host: '127.0.0.1', port: backend.port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
        : connectTcp({ host: '127.0.0.1', port: backend.port });
      for (const s of [client, provider]) {
        sockets.add(s);
        s.on('error', () => {});
        s.once('close', () => sockets.delete(s));
      }
      client.on('data', (chunk: Buffer) => {
        up.push(Buffer.from(chunk));
        provider.write(chunk);
      });
      provider.on('data', (chunk: Buffer) => {
        down.push(Buffer.from(chunk));
        client.write(chunk);
      });
      client.once('close', () => provider.destroy());
      provider.once('close', () => client.destroy());
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    up,
    down,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('wss bound to its TLS session (bind=1): clear records', () => {
  const staticKeys = generateStaticKeyPair();
  let cert: SelfSignedCert;
  let origin: Origin;
  /** Its own TLS, `bind=1`; its own TLS without bind (today); plain HTTP for a proxy in front. */
  let bound: TunnelListener;
  let unbound: TunnelListener;
  let backend: TunnelListener;
  const path = () => `/${randomBytes(16).toString('base64url')}`;
  const specOf = (listener: TunnelListener): WssSpec => {
    const spec = listener.transports[0]?.spec;
    assert.ok(spec?.name === 'wss');
    return spec;
  };
  const portOf = (listener: TunnelListener): number => listener.transports[0]?.address.port as number;

  before(async () => {
    cert = selfSignedCert();
    origin = await startOrigin(1024 * 1024 + 7);
    const policy = createExitPolicy({ devnet: true });
    const tls = { key: cert.key, cert: cert.cert };
    bound = await startTunnelListener({
      staticKeys,
      policy,
      transports: [{ name: 'wss', path: path(), tls, certSha256: cert.sha256, bind: true }],
    });
    unbound = await startTunnelListener({
      staticKeys,
      policy,
      transports: [{ name: 'wss', path: path(), tls, certSha256: cert.sha256 }],
    });
    backend = await startTunnelListener({ staticKeys, policy, transports: [{ name: 'wss', path: path() }] });
  });
  after(async () => {
    for (const l of [bound, unbound, backend]) await l?.close();
    await origin?.close();
    removeCert(cert);
  });

  it('the offer says bind=1 only for a listener with its own TLS', () => {
    assert.equal(specOf(bound).bind, true);
    assert.equal(specOf(unbound).bind, undefined);
    assert.equal(specOf(backend).bind, undefined);
  });

  it('an honest bound session downloads byte-identical, its records clear inside TLS', async () => {
    const session = await connectClientSession({
      hops: [{ host: '127.0.0.1', port: portOf(bound), transport: specOf(bound), publicKey: staticKeys.publicKey }],
    });
    try {
      const channel = session.hops[0]?.channel as SecureChannel;
      assert.equal(channel.clearRecords, true, "the client's channel");
      const provided = [...bound.sessions].map((s) => s.channel.clearRecords);
      assert.deepEqual(provided, [true], "the provider's channel");
      // What the client's TLS decrypted (the WebSocket payloads: the tunnel's records) carries the body in clear.
      const tapped: Buffer[] = [];
      channel.transport.on('data', (chunk: Buffer) => tapped.push(Buffer.from(chunk)));
      const body = await muxGet(await session.openStream({ host: '127.0.0.1', port: origin.port }), origin.port);
      assert.ok(body.equals(origin.body));
      assert.ok(windowsSeen(origin.body, Buffer.concat(tapped)) >= 28, 'the records are len ‖ plaintext');
    } finally {
      session.close();
    }
  });

  it('a TLS-terminating middlebox with the provider key: the pin passes, the handshake fails, nothing in clear', async () => {
    const middlebox = await startMiddlebox(cert, { port: portOf(bound), tls: true });
    try {
      const error = await connectClientSession({
        hops: [{ host: '127.0.0.1', port: middlebox.port, transport: specOf(bound), publicKey: staticKeys.publicKey }],
      }).then(
        (session) => {
          session.close();
          assert.fail('a session through the middlebox');
        },
        (e: unknown) => e,
      );
      // A blocking failure: the client moves to the provider's next transport, as for a reset.
      assert.ok(isBlockingFailure(error), String(error));
      assert.ok(hasErrorCode(error, 'TRANSPORT_CONNECT_FAILED'), String(error));
      assert.equal(bound.sessions.size, 0, 'no session on the provider');
      // What the middlebox relayed: the upgrade with Noise message 1 one way, nothing but (at most) a 101 back.
      const up = Buffer.concat(middlebox.up);
      assert.ok(up.subarray(0, 4).equals(Buffer.from('GET ')));
      assert.ok(up.length < 2_600, `${up.length} bytes: the first flight only`);
      const down = Buffer.concat(middlebox.down).toString('latin1');
      assert.ok(down === '' || (down.startsWith('HTTP/1.1 101') && down.endsWith('\r\n\r\n')), down.slice(0, 80));
    } finally {
      await middlebox.close();
    }
  });

  it('a middlebox that forces TLS 1.2 (no exporter to bind to) gets nothing: the client refuses before sending', async () => {
    const middlebox = await startMiddlebox(cert, { port: portOf(bound), tls: true }, 'TLSv1.2');
    try {
      await assert.rejects(
        connectClientSession({
          hops: [
            { host: '127.0.0.1', port: middlebox.port, transport: specOf(bound), publicKey: staticKeys.publicKey },
          ],
        }),
        (e) => hasErrorCode(e, 'TRANSPORT_CONNECT_FAILED') && isBlockingFailure(e),
      );
      assert.equal(Buffer.concat(middlebox.up).length, 0, 'not even the upgrade request');
    } finally {
      await middlebox.close();
    }
  });

  it('without bind (today) the same middlebox relays a session, and sees its records encrypted by Noise', async () => {
    const middlebox = await startMiddlebox(cert, { port: portOf(unbound), tls: true });
    try {
      const session = await connectClientSession({
        hops: [
          { host: '127.0.0.1', port: middlebox.port, transport: specOf(unbound), publicKey: staticKeys.publicKey },
        ],
      });
      try {
        assert.equal(session.hops[0]?.channel.clearRecords, false);
        const body = await muxGet(await session.openStream({ host: '127.0.0.1', port: origin.port }), origin.port);
        assert.ok(body.equals(origin.body));
        const down = Buffer.concat(middlebox.down);
        assert.ok(down.length > origin.body.length, 'the whole download crossed the middlebox');
        assert.equal(windowsSeen(origin.body, down), 0, 'the middlebox sees Noise ciphertext only');
      } finally {
        session.close();
      }
    } finally {
      await middlebox.close();
    }
  });

  it('a client claiming bind=1 behind a TLS-terminating proxy, or to a listener without bind: no session', async () => {
    const proxy = await startMiddlebox(cert, { port: portOf(backend), tls: false });
    try {
      for (const [port, spec] of [
        [proxy.port, { ...specOf(backend), certSha256: cert.sha256, bind: true }],
        [portOf(unbound), { ...specOf(unbound), bind: true }],
      ] as const) {
        const error = await connectClientSession({
          hops: [{ host: '127.0.0.1', port, transport: spec, publicKey: staticKeys.publicKey }],
        }).then(
          (session) => {
            session.close();
            assert.fail('a session with a forced bind');
          },
          (e: unknown) => e,
        );
        assert.ok(isBlockingFailure(error), String(error));
      }
      assert.equal(backend.sessions.size, 0);
      assert.equal(unbound.sessions.size, 0);
    } finally {
      await proxy.close();
    }
  });

  it('a client and provider without bind behind the proxy are served as before (Noise records)', async () => {
    const proxy = await startMiddlebox(cert, { port: portOf(backend), tls: false });
    try {
      const transport = { ...specOf(backend), certSha256: cert.sha256 };
      const session = await connectClientSession({
        hops: [{ host: '127.0.0.1', port: proxy.port, transport, publicKey: staticKeys.publicKey }],
      });
      try {
        assert.equal(session.hops[0]?.channel.clearRecords, false);
        assert.deepEqual(
          [...backend.sessions].map((s) => s.channel.clearRecords),
          [false],
        );
        const body = await muxGet(await session.openStream({ host: '127.0.0.1', port: origin.port }), origin.port);
        assert.ok(body.equals(origin.body));
      } finally {
        session.close();
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('tlsBinding', () => {
  it("gives both ends of an https server's upgraded socket the same exporter under TLS 1.3, none under 1.2", async () => {
    const cert = selfSignedCert();
    const path = `/${randomBytes(16).toString('base64url')}`;
    let serverSide: ((binding: Buffer | undefined) => void) | undefined;
    const server = createWssServer({
      path,
      tls: { key: cert.key, cert: cert.cert },
      bind: true,
      onStream: (stream, binding) => {
        serverSide?.(binding);
        stream.destroy();
      },
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    try {
      for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
        const fromServer = new Promise<Buffer | undefined>((resolve) => (serverSide = resolve));
        const socket = connectTls({
          host: '127.0.0.1',
          port,
          ...WSS_CLIENT_TLS,
          maxVersion,
          rejectUnauthorized: false,
        });
        socket.on('error', () => {});
        await once(socket, 'secureConnect');
        const client = tlsBinding(socket);
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
        );
        const onServer = await fromServer;
        socket.destroy();
        if (maxVersion === 'TLSv1.3') {
          assert.equal(client?.length, TLS_EXPORTER_LEN);
          assert.ok(onServer && client && onServer.equals(client), 'the same exporter on both ends');
        } else assert.deepEqual([client, onServer], [undefined, undefined]);
      }
    } finally {
      server.close();
      removeCert(cert);
    }
  });
});

describe('SecureChannel clear records', () => {
  async function socketPair(): Promise<[Socket, Socket]> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const client = connectTcp((server.address() as { port: number }).port, '127.0.0.1');
    await once(client, 'connect');
    const [peer] = (await accepted) as [Socket];
    server.close();
    return [client, peer];
  }
  const binding = Buffer.alloc(32, 7);

  it('refuses clear records without a binding of at least 32 bytes', async () => {
    const [a, b] = await socketPair();
    await assert.rejects(
      SecureChannel.open({ transport: a, localStatic: generateStaticKeyPair(), clearRecords: true }),
      (e) => hasErrorCode(e, 'TUNNEL_HANDSHAKE_FAILED'),
    );
    await assert.rejects(
      SecureChannel.open({
        transport: b,
        localStatic: generateStaticKeyPair(),
        clearRecords: true,
        prologue: Buffer.alloc(8),
      }),
      (e) => hasErrorCode(e, 'TUNNEL_HANDSHAKE_FAILED'),
    );
  });

  it('different prologues fail the handshake', async () => {
    const [a, b] = await socketPair();
    const server = generateStaticKeyPair();
    const results = await Promise.allSettled([
      SecureChannel.open({
        transport: a,
        localStatic: generateStaticKeyPair(),
        remoteStatic: server.publicKey,
        prologue: binding,
        clearRecords: true,
      }),
      SecureChannel.open({ transport: b, localStatic: server, prologue: Buffer.alloc(32, 8), clearRecords: true }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    assert.ok(hasErrorCode((results[1] as PromiseRejectedResult).reason, 'TUNNEL_HANDSHAKE_FAILED'));
  });

  it('records travel as len ‖ plaintext; a length beyond the maximum closes with a typed error', async () => {
    const [a, b] = await socketPair();
    const server = generateStaticKeyPair();
    const [client, provider] = await Promise.all([
      SecureChannel.open({
        transport: a,
        localStatic: generateStaticKeyPair(),
        remoteStatic: server.publicKey,
        prologue: binding,
        clearRecords: true,
      }),
      SecureChannel.open({ transport: b, localStatic: server, prologue: binding, clearRecords: true }),
    ]);
    const wire: Buffer[] = [];
    b.on('data', (chunk: Buffer) => wire.push(chunk));
    const received: Buffer[] = [];
    provider.on('record', (r) => received.push(r));
    const big = Buffer.alloc(65_541, 0x5a);
    client.send([Buffer.from('ab'), Buffer.from('cd')]);
    client.send([big]);
    while (received.length < 2) await once(provider, 'record');
    assert.equal(received[0]?.toString(), 'abcd');
    assert.ok(received[1]?.equals(big));
    const raw = Buffer.concat(wire);
    assert.ok(raw.subarray(0, 7).equals(Buffer.from([0, 0, 4, 0x61, 0x62, 0x63, 0x64])), 'len(3) ‖ plaintext, no tag');
    assert.equal(client.bytesWritten, 3 + 4 + 3 + big.length);
    const closed = once(client, 'close');
    b.write(Buffer.from([0x01, 0x00, 0x06])); // 65,542: one byte beyond the largest record
    const [error] = (await closed) as [Error];
    assert.ok(hasErrorCode(error, 'TUNNEL_RECORD_TOO_LARGE'));
  });
});
