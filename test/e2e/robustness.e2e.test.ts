import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasErrorCode } from '../../src/errors/BaseError.ts';
import { SocksReply } from '../../src/tunnel/constants.ts';
import type { MuxStream } from '../../src/tunnel/MuxStream.ts';
import {
  dial,
  type Network,
  type Origin,
  readAll,
  socksGet,
  startNetwork,
  startOrigin,
} from '../support/tunnelHarness.ts';

async function exchange(port: number, ...writes: Buffer[]): Promise<Buffer> {
  const socket = await dial(port);
  const all = readAll(socket);
  for (const w of writes) socket.write(w);
  return all;
}

/** A TCP server that writes `size` bytes to each connection then ends. */
async function startSink(size: number): Promise<{ port: number; sockets: Set<Socket>; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    socket.end(Buffer.alloc(size, 1));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    sockets,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

async function readStream(stream: MuxStream): Promise<number> {
  let n = 0;
  stream.on('data', (c: Buffer) => (n += c.length));
  await once(stream, 'end');
  return n;
}

describe('SOCKS5 front: malformed requests', () => {
  let net: Network;
  before(async () => {
    net = await startNetwork(1);
  });
  after(() => net.close());
  const port = () => net.socks.address.port;

  it('wrong version: closed without a reply', async () => {
    assert.equal((await exchange(port(), Buffer.of(4, 1, 0))).length, 0);
  });
  it('no acceptable method: 0xFF', async () => {
    assert.deepEqual([...(await exchange(port(), Buffer.of(5, 1, 2)))], [5, 0xff]);
  });
  it('BIND: command not supported (0x07)', async () => {
    const out = await exchange(port(), Buffer.of(5, 1, 0, 5, 2, 0, 1, 127, 0, 0, 1, 0, 80));
    assert.equal(out[3], SocksReply.commandNotSupported);
  });
  it('unknown address type: 0x08', async () => {
    const out = await exchange(port(), Buffer.of(5, 1, 0, 5, 1, 0, 9, 1, 2, 3, 4));
    assert.equal(out[3], SocksReply.addressTypeNotSupported);
  });
  it('truncated request: closed', async () => {
    const socket = await dial(port());
    const all = readAll(socket);
    socket.end(Buffer.of(5, 1, 0, 5, 1));
    assert.deepEqual([...(await all)], [5, 0]);
  });
  it('HTTP front: garbage gets 400', async () => {
    const out = await exchange(net.http.address.port, Buffer.from('HELLO\r\n\r\n'));
    assert.match(out.toString(), /^HTTP\/1\.1 400/);
  });
  it('refused port at the exit maps to connection refused (0x05) when not optimistic', async () => {
    const sink = await startSink(1);
    sink.close();
    const request = Buffer.of(5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, sink.port >> 8, sink.port & 255);
    const out = await exchange(net.socksExact.address.port, request);
    assert.equal(out[3], SocksReply.connectionRefused);
  });
  it('optimistic: a refused port closes the connection after the success reply, nothing else', async () => {
    const sink = await startSink(1);
    sink.close();
    const request = Buffer.of(5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, sink.port >> 8, sink.port & 255);
    const socket = await dial(port());
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write(request);
    socket.write('GET / HTTP/1.1\r\n\r\n'); // sent before the exit's answer: dropped with the stream
    await once(socket, 'close');
    assert.deepEqual([...Buffer.concat(chunks)], [5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });
});

describe('exit policy through the tunnel (not devnet)', () => {
  let net: Network;
  let origin: Origin;
  before(async () => {
    net = await startNetwork(1, { devnet: false });
    origin = await startOrigin(1024);
  });
  after(async () => {
    await net.close();
    await origin.close();
  });
  it('refuses 127.0.0.1 and a name resolving to it (0x02)', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      await assert.rejects(socksGet(net.socksExact.address.port, host, origin.port), /SOCKS failure 05000502/);
      // Optimistic front: the success reply is out, the refusal closes the connection without a response.
      await assert.rejects(socksGet(net.socks.address.port, host, origin.port), /HTTP |ECONNRESET/);
    }
  });
});

describe('tunnel robustness', { timeout: 15_000 }, () => {
  it('garbage and truncated data on the tunnel port: no crash, sockets closed', async () => {
    const net = await startNetwork(1);
    const provider = net.providers[0];
    assert.ok(provider);
    for (const junk of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.of(0, 96, 1, 2, 3), Buffer.alloc(5000, 0xff)]) {
      const socket = await dial(provider.address.port);
      socket.on('error', () => {});
      socket.end(junk);
      await once(socket, 'close');
    }
    await sleep(50);
    assert.equal(provider.sessions.size, 1); // only the real client
    assert.equal(provider.sockets.size, 1);
    await net.close();
  });

  it('flow control: a stalled stream does not block another on the same session', {
    timeout: 15_000,
  }, async () => {
    const size = 16 * 1024 * 1024;
    const sink = await startSink(size);
    const net = await startNetwork(1);
    const slow = await net.client.openStream({ host: '127.0.0.1', port: sink.port });
    slow.pause(); // never read: the exit may buffer at most one window for it
    const fast = await net.client.openStream({ host: '127.0.0.1', port: sink.port });
    fast.end();
    assert.equal(await readStream(fast), size);
    assert.ok(slow.readableLength <= 4 * 1024 * 1024, `slow buffered ${slow.readableLength}`);
    slow.end();
    const slowDone = readStream(slow);
    slow.resume(); // an explicit pause() is not undone by adding a 'data' listener
    assert.equal(await slowDone, size);
    await net.close();
    sink.close();
  });

  it('the gate pauses DATA to a client and resumes it; meters tick', async () => {
    const size = 8 * 1024 * 1024;
    const sink = await startSink(size);
    const net = await startNetwork(1);
    const providerSession = [...(net.providers[0]?.sessions ?? [])][0];
    assert.ok(providerSession);
    let ticks = 0;
    net.client.exit.meter.on('received', (_total, n) => (ticks += n));
    providerSession.gate.close();
    const stream = await net.client.openStream({ host: '127.0.0.1', port: sink.port });
    let received = 0;
    stream.on('data', (c: Buffer) => (received += c.length));
    await sleep(200);
    assert.equal(received, 0, 'nothing delivered while the gate is closed');
    providerSession.gate.open();
    await once(stream, 'end');
    assert.equal(received, size);
    assert.equal(ticks, size / (64 * 1024));
    assert.equal(stream.meter.received, size);
    assert.equal(providerSession.meter.sent, size);
    await net.close();
    sink.close();
  });
  it('a peer vanishing mid-stream fails its streams and leaks nothing', async () => {
    const sink = await startSink(64 * 1024 * 1024);
    const net = await startNetwork(3);
    const stream = await net.client.openStream({ host: '127.0.0.1', port: sink.port });
    stream.pause();
    const errored = new Promise<unknown>((resolve) => stream.once('error', resolve));
    await sleep(50);
    // Hop 2 vanishes: destroy every socket it holds.
    for (const socket of net.providers[1]?.sockets ?? []) socket.destroy();
    assert.ok(hasErrorCode(await errored, 'TUNNEL_SESSION_CLOSED'));
    await sleep(100);
    assert.ok(net.client.exit.closed);
    for (const p of net.providers) assert.equal(p.sessions.size + p.sockets.size, 0, 'provider holds nothing');
    assert.equal(sink.sockets.size, 0, 'exit connection closed');
    await assert.rejects(net.client.openStream({ host: '127.0.0.1', port: sink.port }), (e) =>
      hasErrorCode(e, 'TUNNEL_SESSION_CLOSED'),
    );
    await net.close();
    sink.close();
  });
});
