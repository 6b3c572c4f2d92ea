/**
 * UDP through the tunnel on real sockets (issue 19): a `dgram` application reaches a UDP echo server on
 * loopback through SOCKS5 UDP ASSOCIATE over 1 and 3 hops; datagrams do not wait behind TCP streams;
 * queues hold their bounds under a flood; the exit policy refuses forbidden destinations; fragments and
 * strangers are dropped; the association ends with its control connection; a relay-only provider opens
 * nothing to a destination.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FLOW_QUEUE_DATAGRAMS,
  MAX_DATAGRAM_PAYLOAD,
  MAX_FLOWS_PER_SESSION,
  OpenKind,
  OpenReply,
  SESSION_DATAGRAM_QUEUE_BYTES,
  SocksReply,
} from '../../src/tunnel/constants.ts';
import type { MuxFlow } from '../../src/tunnel/MuxFlow.ts';
import { dial, type Network, type Origin, startNetwork, startOrigin } from '../support/tunnelHarness.ts';
import { associate, startUdpEcho, type UdpEcho } from '../support/udpHarness.ts';

async function pollUntil(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function closeOf(flow: MuxFlow): Promise<Error | undefined> {
  return flow.closed ? Promise.resolve(undefined) : (once(flow, 'close') as Promise<[Error?]>).then(([e]) => e);
}

for (const hops of [1, 3]) {
  describe(`UDP through ${hops} hop(s): SOCKS5 UDP ASSOCIATE`, { timeout: 60_000 }, () => {
    let network: Network;
    let echo: UdpEcho;
    before(async () => {
      network = await startNetwork(hops);
      echo = await startUdpEcho();
    });
    after(async () => {
      echo.close();
      await network.close();
    });

    it('datagrams reach the echo server and come back, byte for byte, metered at every hop', async () => {
      const app = await associate(network.socks.address.port);
      const meters = network.client.hops.map((h) => h.meter.sent + h.meter.received);
      for (let i = 0; i < 20; i++) {
        const payload = Buffer.from(`datagram ${i} `.repeat(50));
        app.send('127.0.0.1', echo.port, payload);
        assert.deepEqual(await app.next(), payload);
      }
      // One larger datagram, near the IPv4 loopback limit of a relay's header.
      const big = Buffer.alloc(60_000, 7);
      app.send('127.0.0.1', echo.port, big);
      assert.deepEqual(await app.next(), big);
      const exit = network.client.exit;
      assert.equal(exit.flows.size, 1, 'one flow per destination');
      const [flow] = exit.flows.values();
      assert.equal(flow?.counters.sent, 21);
      assert.equal(flow?.counters.received, 21);
      // Each hop metered at least the datagrams' bytes both ways (outer hops also carry inner framing).
      const payloadBytes = 2 * (20 * 500 + 60_000);
      network.client.hops.forEach((hop, i) => {
        assert.ok(hop.meter.sent + hop.meter.received - (meters[i] ?? 0) >= payloadBytes, `hop ${i + 1} metered`);
      });
      const providerSession = [...(network.providers.at(-1)?.sessions ?? [])][0];
      assert.equal(providerSession?.meter.received, exit.meter.sent, 'exit and client agree on bytes up');
      app.close();
      await pollUntil('the flow to close with the association', () => exit.flows.size === 0);
      await pollUntil('the exit to close its UDP socket', () => network.providers.at(-1)?.udpSockets.size === 0);
    });

    it('a fragment (FRAG ≠ 0) and a stranger get nothing; the association goes on', async () => {
      const app = await associate(network.socks.address.port);
      const before = echo.received;
      app.send('127.0.0.1', echo.port, Buffer.from('fragment'), 1);
      // A stranger: another socket on the same address but another port, after the client's port was taken.
      app.send('127.0.0.1', echo.port, Buffer.from('first'));
      assert.deepEqual(await app.next(), Buffer.from('first'));
      const stranger = createSocket('udp4');
      const header = Buffer.of(0, 0, 0, 1, 127, 0, 0, 1, 0, 0);
      header.writeUInt16BE(echo.port, 8);
      stranger.send([header, Buffer.from('stranger')], app.relay.port, app.relay.host);
      app.send('127.0.0.1', echo.port, Buffer.from('second'));
      assert.deepEqual(await app.next(), Buffer.from('second'));
      assert.equal(echo.received - before, 2, 'only the two legitimate datagrams reached the server');
      stranger.close();
      app.close();
    });
  });
}

describe('UDP next to TCP, under a flood, and against the exit policy', { timeout: 60_000 }, () => {
  let network: Network;
  let echo: UdpEcho;
  let origin: Origin;
  before(async () => {
    network = await startNetwork(1);
    echo = await startUdpEcho();
    origin = await startOrigin(96 * 1024 * 1024);
  });
  after(async () => {
    echo.close();
    await origin.close();
    await network.close();
  });

  it('a TCP stream stalled on its window does not hold datagrams back', async () => {
    // A download nobody reads: its stream fills its window at the client and the exit stops sending.
    const stalled = await dial(network.socks.address.port);
    stalled.pause();
    const port = Buffer.alloc(2);
    port.writeUInt16BE(origin.port);
    stalled.write(Buffer.concat([Buffer.of(5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1), port]));
    stalled.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const exitSide = [...(network.providers[0]?.sessions ?? [])][0];
    await pollUntil('the stalled stream to be out of credit', () =>
      [...(exitSide?.streams.values() ?? [])].some((s) => !s.hasSendCredit),
    );
    const app = await associate(network.socks.address.port);
    for (let i = 0; i < 10; i++) {
      app.send('127.0.0.1', echo.port, Buffer.from(`ping ${i}`));
      assert.deepEqual(await app.next(), Buffer.from(`ping ${i}`));
    }
    app.close();
    stalled.destroy();
  });

  it('a bulk download in progress does not stall the datagrams: they all come back while it runs', async () => {
    // An origin that sends until told to stop: the download is in progress for as long as the pings take,
    // however slow the machine, so the assertion is about ordering, not about time.
    let stop = false;
    const endless = createServer((socket) => {
      socket.on('error', () => {});
      const chunk = Buffer.alloc(64 * 1024, 7);
      const pump = () => {
        while (!stop && socket.write(chunk));
        if (stop) socket.end();
        else socket.once('drain', pump);
      };
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    const app = await associate(network.socks.address.port);
    const download = await dial(network.socks.address.port);
    try {
      const port = Buffer.alloc(2);
      port.writeUInt16BE((endless.address() as AddressInfo).port);
      download.write(Buffer.concat([Buffer.of(5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1), port]));
      let got = 0;
      let ended = false;
      download.on('data', (chunk: Buffer) => {
        got += chunk.length;
      });
      const end = once(download, 'end').then(() => {
        ended = true;
      });
      await pollUntil('the download to be under way', () => got > 1024 * 1024);
      const before = got;
      for (let i = 0; i < 10; i++) {
        app.send('127.0.0.1', echo.port, Buffer.from(`ping ${i}`));
        assert.deepEqual(await app.next(), Buffer.from(`ping ${i}`));
      }
      assert.ok(got > before, 'the download moved while the datagrams went and came back');
      assert.equal(ended, false);
      stop = true;
      await end;
    } finally {
      stop = true;
      app.close();
      download.destroy();
      endless.close();
    }
  });

  it('a flood of datagrams is dropped beyond the queues; queues stay within their bounds; the flow goes on', async () => {
    const flow = network.client.openFlow({ host: '127.0.0.1', port: echo.port });
    await once(flow, 'open');
    const payload = Buffer.alloc(1_024, 1);
    let accepted = 0;
    // 20 MiB in one tick: the channel takes 512 KiB, the flow queues 64, the rest is dropped at once.
    for (let i = 0; i < 20_000; i++) if (flow.send(payload)) accepted++;
    const session = network.client.exit;
    assert.ok(flow.counters.dropped > 0, 'the client dropped datagrams');
    assert.ok(flow.queued <= FLOW_QUEUE_DATAGRAMS);
    assert.ok(session.datagrams.queuedPeak <= SESSION_DATAGRAM_QUEUE_BYTES);
    assert.equal(accepted + flow.counters.dropped, 20_000);
    assert.equal(flow.send(Buffer.alloc(MAX_DATAGRAM_PAYLOAD + 1)), false, 'an oversize datagram is dropped, not sent');
    // The flow still works once the flood has drained.
    let echoed = 0;
    flow.on('datagram', () => {
      echoed++;
    });
    await pollUntil('the queue to drain', () => flow.queued === 0 && session.datagrams.queuedBytes === 0);
    const marker = Buffer.from('after the flood');
    const back = new Promise<void>((resolve) => flow.on('datagram', (d) => d.equals(marker) && resolve()));
    flow.send(marker);
    await back;
    const exitSide = [...(network.providers[0]?.sessions ?? [])][0];
    assert.ok((exitSide?.datagrams.queuedPeak ?? 0) <= SESSION_DATAGRAM_QUEUE_BYTES);
    assert.ok(echoed <= accepted + 1);
    flow.close();
  });

  it(`more than ${MAX_FLOWS_PER_SESSION} flows: the client refuses to open more (TUNNEL_TOO_MANY_FLOWS)`, async () => {
    const flows: MuxFlow[] = [];
    const session = network.client.exit;
    while (session.flows.size < MAX_FLOWS_PER_SESSION)
      flows.push(session.openFlow({ host: '127.0.0.1', port: echo.port }));
    try {
      assert.throws(() => session.openFlow({ host: '127.0.0.1', port: echo.port }), { code: 'TUNNEL_TOO_MANY_FLOWS' });
      await Promise.all(flows.map((f) => (f.isOpen ? undefined : once(f, 'open'))));
    } finally {
      for (const f of flows) f.close();
    }
    await pollUntil('the exit to close every flow', () => network.providers[0]?.udpSockets.size === 0);
  });
});

describe('UDP against the exit policy and provider roles', { timeout: 60_000 }, () => {
  it('an idle flow expires at the exit: its socket closes, the client is told (CLOSE), a new datagram reopens', async () => {
    const network = await startNetwork(1, { flowIdleMs: 300 });
    const echo = await startUdpEcho();
    try {
      const app = await associate(network.socks.address.port);
      app.send('127.0.0.1', echo.port, Buffer.from('once'));
      assert.deepEqual(await app.next(), Buffer.from('once'));
      const [flow] = network.client.exit.flows.values();
      assert.ok(flow);
      assert.equal(await closeOf(flow), undefined, 'closed by the exit, without an error');
      await pollUntil('the exit to close its UDP socket', () => network.providers[0]?.udpSockets.size === 0);
      app.send('127.0.0.1', echo.port, Buffer.from('again'));
      assert.deepEqual(await app.next(), Buffer.from('again'));
      app.close();
    } finally {
      echo.close();
      await network.close();
    }
  });

  it('a datagram to a forbidden destination (loopback, not a devnet exit) is refused; nothing arrives', async () => {
    const network = await startNetwork(1, { devnet: false });
    const echo = await startUdpEcho();
    try {
      const flow = network.client.openFlow({ host: '127.0.0.1', port: echo.port });
      flow.send(Buffer.from('forbidden'));
      const error = await closeOf(flow);
      assert.equal((error as { code?: string }).code, 'TUNNEL_OPEN_FAILED');
      assert.equal((error as { meta?: { reply: number } }).meta?.reply, SocksReply.notAllowedByRuleset);
      const app = await associate(network.socks.address.port);
      app.send('127.0.0.1', echo.port, Buffer.from('forbidden too'));
      assert.equal(await app.next(500), undefined);
      assert.equal(echo.received, 0, 'nothing reached the destination');
      assert.equal(network.providers[0]?.udpSockets.size, 0);
      app.close();
    } finally {
      echo.close();
      await network.close();
    }
  });

  it('a relay-only provider refuses CONNECT and UDP opens (TUNNEL_OPEN_NOT_EXIT), carries RELAY, and relays to an exit', async () => {
    const echo = await startUdpEcho();
    const alone = await startNetwork(1, { roles: ['relay-only'] });
    try {
      await assert.rejects(alone.client.openStream({ host: '127.0.0.1', port: echo.port }), {
        code: 'TUNNEL_OPEN_NOT_EXIT',
      });
      const flow = alone.client.openFlow({ host: '127.0.0.1', port: echo.port });
      flow.send(Buffer.from('to the internet?'));
      const error = await closeOf(flow);
      assert.equal((error as { code?: string }).code, 'TUNNEL_OPEN_NOT_EXIT');
      assert.equal((error as { meta?: { reply: number } }).meta?.reply, OpenReply.notAnExit);
      assert.equal(alone.providers[0]?.udpSockets.size, 0);
      assert.equal(echo.received, 0);
      // What it does carry, RELAY (a TCP hop), is how auditors probe it (`audit/Prober.ts`).
      const origin = await startOrigin(1024);
      const relayed = await alone.client.exit.openStream(
        { host: '127.0.0.1', port: origin.port },
        { kind: OpenKind.relay },
      );
      relayed.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const body = await new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        relayed.on('data', (c: Buffer) => chunks.push(c));
        relayed.once('end', () => resolve(Buffer.concat(chunks)));
      });
      assert.ok(body.subarray(body.length - origin.body.length).equals(origin.body));
      await origin.close();
    } finally {
      await alone.close();
    }
    // As the first hop of two, in front of an exit: it carries the path.
    const path = await startNetwork(2, { roles: ['relay-only', 'exit'] });
    try {
      const app = await associate(path.socks.address.port);
      app.send('127.0.0.1', echo.port, Buffer.from('through a relay'));
      assert.deepEqual(await app.next(), Buffer.from('through a relay'));
      assert.equal(path.providers[0]?.udpSockets.size, 0, 'the relay opened no UDP socket');
      app.close();
    } finally {
      echo.close();
      await path.close();
    }
  });
});
