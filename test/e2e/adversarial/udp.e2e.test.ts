/**
 * Issue 19: a misbehaving client against UDP flows on a real provider process (real chain, real
 * vouchers). Who gains by breaking them: a client that wants datagrams carried without paying, or to
 * exhaust the exit's sockets and memory, or to crash it with malformed frames. Each attack is made with
 * the real tunnel and mux; a UDP sink on loopback counts what left the exit.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalAccount } from 'viem';
import {
  FrameType,
  MAX_DATAGRAM_PAYLOAD,
  MAX_FLOWS_PER_SESSION,
  OpenKind,
  SocksReply,
} from '../../../src/tunnel/constants.ts';
import type { MuxSession } from '../../../src/tunnel/MuxSession.ts';
import { decodeFrame, encodeFrameHeader, encodeOpen } from '../../../src/tunnel/muxFrame.ts';
import { type AdversaryBench, startAdversaryBench, UNPAID_BOUND } from '../../support/adversary.ts';
import { closedWithin, sendVoucher } from '../../support/attackerSession.ts';

/** Memory the provider may grow by under one attack (a garbage-collected process's slack). */
const RSS_SLACK_KIB = 64 * 1024;

type UdpSink = { port: number; bytes: number; datagrams: number; close(): void };

async function startUdpSink(): Promise<UdpSink> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  const sink: UdpSink = { port: 0, bytes: 0, datagrams: 0, close: () => socket.close() };
  socket.on('message', (message) => {
    sink.datagrams++;
    sink.bytes += message.length;
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  sink.port = socket.address().port;
  return sink;
}

/** Sends a raw frame on the session's channel, whatever the mux would allow. */
function raw(session: MuxSession, type: number, id: number, payload: Buffer): void {
  session.channel.send([encodeFrameHeader(type as FrameType, id), payload]);
}

describe('UDP flows under attack', { timeout: 300_000 }, () => {
  let bench: AdversaryBench;
  let attacker: LocalAccount;
  let sink: UdpSink;

  before(async () => {
    bench = await startAdversaryBench('udp');
    attacker = await bench.account(1);
    sink = await startUdpSink();
  });
  after(async () => {
    sink?.close();
    await bench?.stop();
  });

  const paidSession = async () => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    await sendVoucher(session.exit, attacker, bench.domain, channelId, 0n);
    return { session, channelId };
  };

  it('before paying: a flow OPEN ends the session; raw DATAGRAMs go nowhere', async () => {
    const channelId = await bench.openChannel(attacker);
    const { session } = await bench.session({ payer: attacker, channelId });
    const before = sink.datagrams;
    // Datagrams for a flow the exit never opened (ids the client might guess): dropped, however many.
    for (let i = 0; i < 1_000; i++) raw(session.exit, FrameType.datagram, 1 + 2 * (i % 8), Buffer.alloc(1_000, 1));
    assert.equal(await closedWithin(session.exit, 300), 'open');
    raw(session.exit, FrameType.open, 1, encodeOpen(OpenKind.udp, { host: '127.0.0.1', port: sink.port }));
    raw(session.exit, FrameType.datagram, 1, Buffer.from('free ride?'));
    assert.notEqual(await closedWithin(session.exit, 5_000), 'open');
    await sleep(200);
    assert.equal(sink.datagrams, before, 'nothing left the exit');
    assert.ok(((await bench.provider.errors()).SESSION_OPEN_BEFORE_PAYMENT ?? 0) >= 1);
  });

  it('a client that stops paying gets at most its credit window of datagrams out of the exit', async (t) => {
    const { session } = await paidSession();
    const flow = session.exit.openFlow({ host: '127.0.0.1', port: sink.port });
    await once(flow, 'open');
    const before = sink.bytes;
    const payload = Buffer.alloc(1_024, 2);
    // 4 × the credit window offered, paced so the client's own queues take it; no tick is ever paid.
    for (let sent = 0; sent < 4 * UNPAID_BOUND && !session.exit.closed; ) {
      for (let i = 0; i < 32; i++, sent += payload.length) flow.send(payload);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await sleep(500);
    const out = sink.bytes - before;
    t.diagnostic(`${out} bytes left the exit unpaid (bound ${UNPAID_BOUND}); client dropped ${flow.counters.dropped}`);
    assert.ok(out > 0, 'the credit window was usable');
    assert.ok(out <= UNPAID_BOUND, `${out} bytes left the exit unpaid, the bound is ${UNPAID_BOUND}`);
    session.close();
  });

  it('an oversize DATAGRAM, one on stream 0 and stream frames on a flow end the session (TUNNEL_MUX_PROTOCOL)', async () => {
    const errorsBefore = (await bench.provider.errors()).TUNNEL_MUX_PROTOCOL ?? 0;
    const attacks: [string, (s: MuxSession, flowId: number) => void][] = [
      ['oversize', (s, id) => raw(s, FrameType.datagram, id, Buffer.alloc(MAX_DATAGRAM_PAYLOAD + 1))],
      ['stream 0', (s) => raw(s, FrameType.datagram, 0, Buffer.from('x'))],
      ['DATA on a flow', (s, id) => raw(s, FrameType.data, id, Buffer.from('x'))],
      ['WINDOW_UPDATE on a flow', (s, id) => raw(s, FrameType.windowUpdate, id, Buffer.of(0, 0, 1, 0))],
    ];
    for (const [name, attack] of attacks) {
      const { session } = await paidSession();
      const flow = session.exit.openFlow({ host: '127.0.0.1', port: sink.port });
      await once(flow, 'open');
      attack(session.exit, flow.id);
      assert.notEqual(await closedWithin(session.exit, 5_000), 'open', name);
    }
    const errors = (await bench.provider.errors()).TUNNEL_MUX_PROTOCOL ?? 0;
    assert.ok(errors - errorsBefore >= attacks.length, `${errors - errorsBefore} sessions ended for a violation`);
    // A DATAGRAM of exactly the largest size is legal and carried.
    const { session } = await paidSession();
    const flow = session.exit.openFlow({ host: '127.0.0.1', port: sink.port });
    await once(flow, 'open');
    const before = sink.datagrams;
    flow.send(Buffer.alloc(MAX_DATAGRAM_PAYLOAD, 3));
    await sleep(300);
    assert.equal(sink.datagrams - before, 1);
    assert.equal(session.exit.closed, false);
    session.close();
  });

  it(`a flood of flow OPENs: ${MAX_FLOWS_PER_SESSION} per session, the rest refused; the session and memory hold`, async (t) => {
    const rss = bench.provider.rssKiB();
    const sessions = [];
    for (let s = 0; s < 4; s++) {
      const { session } = await paidSession();
      sessions.push(session);
      const replies = new Map<number, number>();
      session.exit.channel.on('record', (record: Buffer) => {
        const frame = decodeFrame(record);
        if (frame.type === FrameType.openResult) replies.set(frame.streamId, frame.payload[0] as number);
      });
      const opens = 512;
      for (let i = 0; i < opens; i++) {
        const id = 1_001 + 2 * i;
        raw(session.exit, FrameType.open, id, encodeOpen(OpenKind.udp, { host: '127.0.0.1', port: sink.port }));
      }
      const deadline = Date.now() + 20_000;
      while (replies.size < opens && Date.now() < deadline) await sleep(50);
      const ok = [...replies.values()].filter((r) => r === SocksReply.succeeded).length;
      const refused = [...replies.values()].filter((r) => r === SocksReply.generalFailure).length;
      assert.equal(replies.size, opens, 'every OPEN answered');
      assert.ok(ok <= MAX_FLOWS_PER_SESSION, `${ok} flows opened`);
      assert.ok(refused >= opens - MAX_FLOWS_PER_SESSION);
      assert.notEqual(await session.exit.ping(5_000), undefined, 'the session still answers');
    }
    const grew = bench.provider.rssKiB() - rss;
    t.diagnostic(`provider RSS grew ${grew} KiB for 4 × 512 flow OPENs`);
    assert.ok(grew < RSS_SLACK_KIB, `provider RSS grew ${grew} KiB for ${4 * MAX_FLOWS_PER_SESSION} flows`);
    for (const session of sessions) session.close();
  });

  it('a destination flooding a flow while the client stops reading: the exit drops, its memory holds', async (t) => {
    // The "destination" answers the first datagram with 64 MiB of datagrams, as fast as it can send them.
    const flooder = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((resolve) => flooder.bind(0, '127.0.0.1', resolve));
    let flooded = 0;
    flooder.once('message', async (_m, from) => {
      const payload = Buffer.alloc(1_024, 4);
      for (let i = 0; i < 64 * 1024; i++) {
        flooder.send(payload, from.port, from.address);
        flooded++;
        if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const { session } = await paidSession();
    const flow = session.exit.openFlow({ host: '127.0.0.1', port: flooder.address().port });
    await once(flow, 'open');
    const rss = bench.provider.rssKiB();
    session.exit.channel.pause(); // the attacker reads nothing: the exit's channel backs up
    flow.send(Buffer.from('go'));
    while (flooded < 64 * 1024) await sleep(100);
    await sleep(500);
    const grew = bench.provider.rssKiB() - rss;
    t.diagnostic(`provider RSS grew ${grew} KiB while 64 MiB of datagrams were aimed at an unread session`);
    assert.ok(grew < RSS_SLACK_KIB, `provider RSS grew ${grew} KiB`);
    flooder.close();
    session.close();
  });

  it('an honest client is still served', async () => {
    assert.ok((await bench.honestDownload(1024 * 1024)) >= 1024 * 1024);
  });
});
