/**
 * UDP through the paid path (issue 19), on a real `bandex devnet` process (embedded chain, providers, a
 * paying client): a `dgram` application behind SOCKS5 UDP ASSOCIATE reaches a UDP echo server on
 * loopback through 1 and 3 hops; every hop's claim grows with the datagram bytes and every hop is paid.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Address } from 'viem';
import { type DevnetProcess, getJson, pollFor, startDevnetCli } from '../support/devnet.ts';
import { associate, startUdpEcho, type UdpEcho } from '../support/udpHarness.ts';

type ClientStatus = { path: { provider: Address; paidWei: string; bytesDown: number; bytesUp: number }[] };
type ProviderStatus = { bytesServed: number; earnedWei: string };

const DATAGRAM = 1_200; // a QUIC-sized datagram
const ROUND_TRIPS = 2_000; // 2.4 MB each way: many 64 KiB payment ticks
const IN_FLIGHT = 16;

for (const hops of [1, 3]) {
  describe(`paid UDP through ${hops} hop(s) on the devnet`, { timeout: 240_000 }, () => {
    let devnet: DevnetProcess;
    let echo: UdpEcho;
    before(async () => {
      echo = await startUdpEcho();
      devnet = await startDevnetCli(['--hops', String(hops), '--auditors', '0']);
    });
    after(async () => {
      await devnet?.stop();
      echo?.close();
    });

    it('datagrams come back byte for byte; each hop is paid for them and its claim grows with them', async () => {
      const { info } = devnet;
      const [socksHost, socksPort] = info.socks.split(':');
      assert.equal(socksHost, '127.0.0.1');
      const app = await associate(Number(socksPort));
      // The first datagram builds the path (and pays its opening vouchers) before anything is counted.
      app.send('127.0.0.1', echo.port, Buffer.from('hello'));
      assert.deepEqual(await app.next(30_000), Buffer.from('hello'));
      const status0 = await getJson<ClientStatus>(`${info.client.api}/api/status`);
      assert.equal(status0.path.length, hops);
      const providerApi = (address: Address) => info.providers.find((p) => p.address === address)?.api as string;
      const served0 = await Promise.all(
        status0.path.map(
          async (h) => (await getJson<ProviderStatus>(`${providerApi(h.provider)}/api/status`)).bytesServed,
        ),
      );

      let sent = 0;
      let received = 0;
      let lost = 0;
      while (received + lost < ROUND_TRIPS) {
        while (sent - received - lost < IN_FLIGHT && sent < ROUND_TRIPS) {
          const payload = Buffer.alloc(DATAGRAM, sent % 251);
          payload.writeUInt32BE(sent);
          app.send('127.0.0.1', echo.port, payload);
          sent++;
        }
        const back = await app.next(5_000);
        if (!back) {
          lost += sent - received - lost; // what was in flight is gone (UDP); go on
          continue;
        }
        assert.equal(back.length, DATAGRAM);
        assert.equal(back[DATAGRAM - 1], back.readUInt32BE(0) % 251, 'intact');
        received++;
      }
      assert.ok(received >= ROUND_TRIPS * 0.95, `${received} of ${ROUND_TRIPS} came back`);
      const bytes = 2 * received * DATAGRAM; // both ways, what certainly crossed every hop
      // Every hop counts what it carried (its ledger moves per 64 KiB unit) and is paid for it.
      const status = await getJson<ClientStatus>(`${info.client.api}/api/status`);
      for (const [i, h] of status.path.entries()) {
        assert.ok(BigInt(h.paidWei) > BigInt(status0.path[i]?.paidWei ?? '0'), `hop ${i + 1} paid more`);
        assert.ok(h.bytesDown + h.bytesUp >= bytes, `hop ${i + 1} metered ${h.bytesDown + h.bytesUp} ≥ ${bytes}`);
        await pollFor(
          `hop ${i + 1}'s claim to cover the datagrams`,
          async () => {
            const s = await getJson<ProviderStatus>(`${providerApi(h.provider)}/api/status`);
            return s.bytesServed - (served0[i] ?? 0) >= bytes - 64 * 1024 && BigInt(s.earnedWei) > 0n ? s : undefined;
          },
          20_000,
        );
      }
      app.close();
    });
  });
}
