/**
 * REPORT frames over real tunnel sessions (listener, Noise channel, mux): a PING with the report flag gets
 * the provider's send back-pressure toward the client, a plain PING does not, the counters follow what was
 * carried, a provider that cannot push into the network reports its backlog, and a REPORT where none may
 * come (to a provider, or malformed) is a protocol violation that closes the session.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../test/support/processes.ts';
import { type Network, type Origin, socksGet, startNetwork, startOrigin } from '../../test/support/tunnelHarness.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { FrameType, PING_REPORT_FLAG } from './constants.ts';
import type { MuxSession } from './MuxSession.ts';
import { encodeFrameHeader, type SendReport } from './muxFrame.ts';

async function pollUntil(what: string, check: () => boolean): Promise<void> {
  assert.ok(await waitFor(check, 10_000), `waited for ${what}`);
}

function providerSession(net: Network): MuxSession {
  const session = [...(net.providers[0]?.sessions ?? [])][0];
  assert.ok(session, 'the provider holds a session');
  return session;
}

function sendRaw(session: MuxSession, type: number, streamId: number, payload: Buffer): void {
  session.channel.send([encodeFrameHeader(type as FrameType, streamId), payload]);
  session.channel.flush();
}

describe('REPORT: the provider’s send back-pressure, when a PING asks for it', { timeout: 60_000 }, () => {
  let net: Network;
  let origin: Origin;
  before(async () => {
    net = await startNetwork(1);
    origin = await startOrigin(8 * 1024 * 1024);
  });
  after(async () => {
    await net?.close();
    await origin?.close();
  });

  it('a PING with the flag gets one REPORT after its PONG; a plain PING gets none', async () => {
    const reports: SendReport[] = [];
    net.client.exit.on('report', (r) => reports.push(r));
    // Frames come back in order: by the time the last plain PING is answered, every REPORT due has arrived.
    await net.client.exit.ping(5_000);
    await net.client.exit.ping(5_000, { report: true });
    await net.client.exit.ping(5_000);
    assert.equal(reports.length, 1);
    const [report] = reports as [SendReport];
    assert.ok(report.atMs >= 0 && report.pendingBytes >= 0 && report.sentBytes > 0, JSON.stringify(report));
    net.client.exit.removeAllListeners('report');
  });

  it('sentBytes counts what the provider sent toward the client', async () => {
    const ask = async (): Promise<SendReport> => {
      const next = once(net.client.exit, 'report') as Promise<[SendReport]>;
      await net.client.exit.ping(5_000, { report: true });
      return (await next)[0];
    };
    const before = await ask();
    const body = await socksGet(net.socks.address.port, '127.0.0.1', origin.port, '/');
    assert.equal(body.length, origin.body.length);
    const later = await ask();
    assert.ok(
      later.sentBytes - before.sentBytes >= body.length,
      `${later.sentBytes - before.sentBytes} ≥ ${body.length}`,
    );
    assert.ok(later.atMs >= before.atMs);
  });

  it('a REPORT asked for while the network does not take the provider’s bytes comes behind them', async () => {
    const provider = providerSession(net);
    // The client stops reading its socket: what the provider writes waits (in its buffers, the kernel's).
    net.client.exit.channel.pause();
    const sentBefore = provider.meter.sent;
    const download = socksGet(net.socks.address.port, '127.0.0.1', origin.port, '/');
    await pollUntil('the provider to have sent a MiB', () => provider.meter.sent >= sentBefore + 1024 * 1024);
    const askedAt = net.client.exit.channel.bytesRead;
    const next = once(net.client.exit, 'report') as Promise<[SendReport]>;
    const written = provider.channel.bytesWritten;
    void net.client.exit.ping(60_000, { report: true });
    await pollUntil('the provider to have answered', () => provider.channel.bytesWritten > written);
    net.client.exit.channel.resume();
    const [report] = await next;
    // Everything the provider had written before the REPORT was read first: the backlog the client measures.
    const ahead = net.client.exit.channel.bytesRead - askedAt;
    assert.ok(ahead >= 1024 * 1024, `${ahead} bytes read ahead of the REPORT`);
    assert.ok(report.sentBytes + report.pendingBytes >= written, 'the REPORT counts what was written before it');
    assert.equal((await download).length, origin.body.length);
  });

  it('a PING whose id merely counts up (an older client: top bit clear) is echoed without a REPORT', async () => {
    const reports: SendReport[] = [];
    net.client.exit.on('report', (r) => reports.push(r));
    const id = Buffer.alloc(8);
    id.writeBigUInt64BE(BigInt(PING_REPORT_FLAG - 1) << 56n);
    sendRaw(net.client.exit, FrameType.ping, 0, id);
    await net.client.exit.ping(5_000);
    assert.equal(reports.length, 0);
    net.client.exit.removeAllListeners('report');
  });
});

describe('REPORT where none may come', { timeout: 20_000 }, () => {
  it('a REPORT sent to the provider closes the session (TUNNEL_MUX_PROTOCOL)', async () => {
    const net = await startNetwork(1);
    try {
      const provider = providerSession(net);
      const closed = once(provider, 'close') as Promise<[Error | undefined]>;
      sendRaw(net.client.exit, FrameType.report, 0, Buffer.alloc(16));
      const [error] = await closed;
      assert.ok(hasErrorCode(error, 'TUNNEL_MUX_PROTOCOL'), String(error));
    } finally {
      await net.close();
    }
  });

  it('a short REPORT, or one on a stream, closes the client’s session (TUNNEL_MUX_PROTOCOL)', async () => {
    for (const [streamId, length] of [
      [0, 15],
      [1, 16],
    ] as const) {
      const net = await startNetwork(1);
      try {
        const closed = once(net.client.exit, 'close') as Promise<[Error | undefined]>;
        sendRaw(providerSession(net), FrameType.report, streamId, Buffer.alloc(length));
        const [error] = await closed;
        assert.ok(hasErrorCode(error, 'TUNNEL_MUX_PROTOCOL'), String(error));
      } finally {
        await net.close();
      }
    }
  });
});
