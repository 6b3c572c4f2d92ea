/**
 * The obfs4 transport with Debian's real obfs4proxy on both sides (real processes, real sockets): bytes both
 * ways, the client's address carried through our Extended ORPort, a wrong cert or an active prober getting
 * nothing, a local impostor without the cookie refused.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RecordingProxy, startRecordingProxy } from '../../test/support/recordingProxy.ts';
import { bitsPerByte, gfwBlocks } from '../../test/support/trafficFeatures.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { ExactReader } from './ExactReader.ts';
import { acceptExtOrPort, extOrPortHashes, writeExtOrPortCookie } from './extOrPort.ts';
import { dialObfs4, listenObfs4, type Obfs4Server, stopObfs4Client } from './obfs4.ts';
import { formatTransportParams, parseTransport } from './transportSpec.ts';

/** Reads whatever a socket sends until it closes or `ms` pass; how many bytes and whether it closed. */
function listen(socket: Socket, ms: number): Promise<{ bytes: number; closed: boolean }> {
  return new Promise((resolve) => {
    let bytes = 0;
    socket.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    const done = (closed: boolean) => {
      clearTimeout(timer);
      resolve({ bytes, closed });
    };
    const timer = setTimeout(() => done(false), ms);
    socket.once('close', () => done(true));
  });
}

describe('obfs4 through obfs4proxy (managed transport)', { timeout: 60_000 }, () => {
  let dir: string;
  let server: Obfs4Server;
  const streams: Socket[] = [];
  let proxy: RecordingProxy;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bandex-obfs4-'));
    server = await listenObfs4({
      host: '127.0.0.1',
      stateDir: join(dir, 'state'),
      onStream: (socket) => {
        streams.push(socket);
        // An echo service behind the transport.
        socket.pipe(socket);
      },
    });
    proxy = await startRecordingProxy(server.address.port);
  });
  after(async () => {
    for (const s of streams) s.destroy();
    await proxy?.close();
    await stopObfs4Client();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('its cert goes in the offer as signed parameters and comes back unchanged', () => {
    const params = formatTransportParams(server.spec);
    assert.match(params, /^cert=[A-Za-z0-9_-]{70};iat=0$/);
    assert.deepEqual(parseTransport('obfs4', params), server.spec);
  });

  it('carries bytes both ways, and the server learns the client address obfs4proxy saw', async () => {
    const socket = await dialObfs4({ host: '127.0.0.1', port: server.address.port }, server.spec);
    const payload = randomBytes(256 * 1024);
    socket.write(payload);
    const echoed = await new ExactReader(socket).read(payload.length);
    assert.ok(echoed.equals(payload));
    socket.destroy();
    const last = streams.at(-1);
    assert.equal(last?.remoteAddress, '127.0.0.1');
    assert.ok(last?.remotePort && last.remotePort !== server.address.port, 'the client side of the obfs4 connection');
  });

  it('keeps its cert across restarts (the keys stay in its state directory)', async () => {
    const again = await listenObfs4({ host: '127.0.0.1', stateDir: join(dir, 'state'), onStream: (s) => s.destroy() });
    try {
      assert.ok(again.spec.cert.equals(server.spec.cert));
    } finally {
      await again.close();
    }
  });

  it('a client with a wrong cert gets no connection (the server stays silent), and nothing reaches the service', async () => {
    const before = streams.length;
    const wrong = { ...server.spec, cert: randomBytes(52) };
    await assert.rejects(dialObfs4({ host: '127.0.0.1', port: server.address.port, timeoutMs: 3_000 }, wrong), (e) =>
      hasErrorCode(e, 'TRANSPORT_TIMEOUT'),
    );
    assert.equal(streams.length, before);
  });

  it('an active prober (random bytes, a replayed first packet) gets no answer; nothing reaches the service', async () => {
    const before = streams.length;
    // An honest connection through the recording proxy: its first packet is the censor's to replay.
    const honest = await dialObfs4({ host: '127.0.0.1', port: proxy.port }, server.spec);
    honest.write('ping');
    assert.equal((await new ExactReader(honest).read(4)).toString(), 'ping');
    honest.destroy();
    await proxy.closed(1);
    const first = proxy.flights[0]?.client1 ?? Buffer.alloc(0);
    for (const probe of [randomBytes(first.length), first, randomBytes(8192)]) {
      const socket = connect(server.address.port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(probe);
      const seen = await listen(socket, 2_000);
      socket.destroy();
      assert.equal(seen.bytes, 0, 'obfs4 says nothing to a prober');
    }
    assert.equal(streams.length, before + 1, 'only the honest connection reached the service');
    process.stdout.write(
      `# obfs4 first packet: ${first.length} bytes, ${bitsPerByte(first).toFixed(2)} bits/byte, GFW rule blocks: ${gfwBlocks(first)}\n`,
    );
  });
});

describe('our Extended ORPort (the server side obfs4proxy talks to)', () => {
  /** The transport's side of ext-orport-spec, as goptlib speaks it. */
  async function transportSide(port: number, cookie: Buffer): Promise<{ authenticated: boolean; okay: boolean }> {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const reader = new ExactReader(socket);
    try {
      assert.deepEqual([...(await reader.read(2))], [1, 0], 'SAFE_COOKIE offered');
      const clientNonce = randomBytes(32);
      socket.write(Buffer.concat([Buffer.from([1]), clientNonce]));
      const serverHash = await reader.read(32);
      const serverNonce = await reader.read(32);
      const hashes = extOrPortHashes(cookie, clientNonce, serverNonce);
      socket.write(hashes.client);
      const authenticated = (await reader.read(1))[0] === 1;
      if (!authenticated) return { authenticated, okay: false };
      assert.ok(serverHash.equals(hashes.server), 'the server proved it holds the cookie too');
      const command = (type: number, body: string) => {
        const head = Buffer.alloc(4);
        head.writeUInt16BE(type, 0);
        head.writeUInt16BE(body.length, 2);
        return Buffer.concat([head, Buffer.from(body)]);
      };
      socket.write(
        Buffer.concat([command(1, '203.0.113.5:40000'), command(2, 'obfs4'), command(0, ''), Buffer.from('hi')]),
      );
      const reply = await reader.read(4);
      return { authenticated, okay: reply.readUInt16BE(0) === 0x1000 };
    } catch {
      return { authenticated: false, okay: false };
    } finally {
      socket.destroy();
    }
  }

  it('admits the holder of the cookie with its client address; refuses an impostor before any byte flows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-extor-'));
    const file = join(dir, 'cookie');
    const cookie = writeExtOrPortCookie(file);
    assert.equal(readFileSync(file).length, 64);
    const accepted: { host?: string; head: string }[] = [];
    const server = createServer((socket) => {
      socket.on('error', () => {});
      void acceptExtOrPort(socket, cookie).then((client) => {
        if (client) accepted.push({ host: client.address?.host, head: client.head.toString() });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      assert.deepEqual(await transportSide(port, cookie), { authenticated: true, okay: true });
      assert.deepEqual(await transportSide(port, randomBytes(32)), { authenticated: false, okay: false });
      // Garbage instead of the exchange.
      const garbage = connect(port, '127.0.0.1');
      garbage.on('error', () => {});
      garbage.write(randomBytes(300));
      await listen(garbage, 1_000);
      garbage.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(accepted.length, 1);
      assert.equal(accepted[0]?.host, '203.0.113.5');
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
