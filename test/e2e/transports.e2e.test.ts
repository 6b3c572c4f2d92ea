/**
 * Issue 20 end to end on the devnet (a real `bandex devnet` process: chain, providers serving plain,
 * obfs and wss — and obfs4 through Debian's obfs4proxy when the client asks for it —, a client told `--transport`): a paid download over each obfuscated transport is
 * byte-identical and paid like one over plain (`paidTunnel.e2e.test.ts`): bytes × price within a tick.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { tickValueFor } from '../../src/accounting/price.ts';
import { curlSha256, type DevnetProcess, getJson, pollFor, startDevnetCli } from '../support/devnet.ts';
import { type Origin, startOrigin } from '../support/tunnelHarness.ts';

const SIZE = 8 * 1024 * 1024;
const GIB = 2n ** 30n;

type ClientStatus = {
  bytesDown: number;
  bytesUp: number;
  paidWei: string;
  path: { provider: string; priceWeiPerGiB: string; transport?: string }[];
};

for (const transport of ['obfs', 'wss', 'obfs4'] as const) {
  describe(`paid download over ${transport}`, { timeout: 240_000 }, () => {
    let origin: Origin;
    let sha256: string;
    let devnet: DevnetProcess;
    before(async () => {
      origin = await startOrigin(SIZE);
      sha256 = createHash('sha256').update(origin.body).digest('hex');
      devnet = await startDevnetCli(['--auditors', '0', '--transport', transport]);
    });
    after(async () => {
      await devnet?.stop();
      await origin?.close();
    });

    it(`hop 1 is reached over ${transport}; the download is byte-identical and paid within a tick`, async () => {
      const { info } = devnet;
      const before = await getJson<ClientStatus>(`${info.client.api}/api/status`);
      assert.equal(before.path[0]?.transport, transport);
      const url = `http://127.0.0.1:${origin.port}/file.bin`;
      assert.equal(await curlSha256(['--socks5-hostname', info.socks, url], SIZE), sha256);
      const price = BigInt(before.path[0]?.priceWeiPerGiB ?? '0');
      const tick = tickValueFor(price);
      const within = (s: ClientStatus) => {
        const owed = (BigInt(s.bytesDown + s.bytesUp) * price) / GIB;
        const paid = BigInt(s.paidWei);
        return (paid > owed ? paid - owed : owed - paid) <= tick;
      };
      const status = await pollFor(
        'payment of what was carried',
        async () => {
          const s = await getJson<ClientStatus>(`${info.client.api}/api/status`);
          return within(s) ? s : undefined;
        },
        10_000,
      );
      assert.ok(status.bytesDown >= SIZE);
      assert.ok(BigInt(status.paidWei) > 0n);
    });
  });
}
