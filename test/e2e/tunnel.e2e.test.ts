import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  dial,
  httpBody,
  type Network,
  type Origin,
  readAll,
  socksGet,
  startNetwork,
  startOrigin,
} from '../support/tunnelHarness.ts';

const SIZE = 4 * 1024 * 1024;

for (const hops of [1, 3]) {
  describe(`${hops}-hop tunnel`, () => {
    let origin: Origin;
    let net: Network;
    before(async () => {
      origin = await startOrigin(SIZE);
      net = await startNetwork(hops);
    });
    after(async () => {
      await net.close();
      await origin.close();
    });

    it('SOCKS5 with a domain name downloads byte-identical', async () => {
      const body = await socksGet(net.socks.address.port, 'localhost', origin.port);
      assert.ok(body.equals(origin.body));
    });

    it('HTTP CONNECT downloads byte-identical', async () => {
      const socket = await dial(net.http.address.port);
      const all = readAll(socket);
      socket.write(`CONNECT 127.0.0.1:${origin.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.write('GET /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const raw = await all;
      const afterConnect = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
      assert.ok(httpBody(afterConnect).equals(origin.body));
    });

    it('plain absolute-URI HTTP downloads byte-identical', async () => {
      const socket = await dial(net.http.address.port);
      const all = readAll(socket);
      socket.write(
        `GET http://127.0.0.1:${origin.port}/f HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Connection: keep-alive\r\n\r\n`,
      );
      assert.ok(httpBody(await all).equals(origin.body));
    });

    it('forgets finished streams on both sides (no leak towards the 1,024-stream limit)', async () => {
      for (let i = 0; i < 3; i++) await socksGet(net.socks.address.port, '127.0.0.1', origin.port);
      const exitSessions = () => [...(net.providers.at(-1)?.sessions ?? [])];
      for (
        let i = 0;
        i < 50 && (net.client.exit.streams.size > 0 || exitSessions().some((s) => s.streams.size > 0));
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(net.client.exit.streams.size, 0);
      for (const session of exitSessions()) assert.equal(session.streams.size, 0);
    });

    it('meters every hop', () => {
      assert.equal(net.client.hops.length, hops);
      for (const hop of net.client.hops) assert.ok(hop.meter.received >= 6 * SIZE);
    });
  });
}
