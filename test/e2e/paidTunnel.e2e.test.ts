/**
 * Issue 5 end to end on the devnet (a real `bandex devnet` process: embedded chain, three providers,
 * a client), with curl as the application: downloads through SOCKS5 and the HTTP proxy are
 * byte-identical, the client pays bytes × price within one tick, the provider redeems on chain and
 * its RBT balance rises by the redeemed amount less the protocol fee; on a 3-hop path every hop is
 * paid and no hop sees both the client and the destination.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Address, createPublicClient, http } from 'viem';
import { tickValueFor } from '../../src/accounting/price.ts';
import { bandwidthTokenAbi } from '../../src/chain/abi/bandwidthToken.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { curlSha256, type DevnetProcess, getJson, pollFor, startDevnetCli } from '../support/devnet.ts';
import { startOrigin as startTestOrigin } from '../support/tunnelHarness.ts';

const SIZE = 16 * 1024 * 1024;
const GIB = 2n ** 30n;

type Origin = Awaited<ReturnType<typeof startTestOrigin>> & { sha256: string };

async function startOrigin(): Promise<Origin> {
  const origin = await startTestOrigin(SIZE);
  return Object.assign(origin, { sha256: createHash('sha256').update(origin.body).digest('hex') });
}

type ClientStatus = {
  bytesDown: number;
  bytesUp: number;
  paidWei: string;
  sessions: number;
  path: {
    provider: Address;
    channelId: `0x${string}`;
    priceWeiPerGiB: string;
    paidWei: string;
    bytesDown: number;
    bytesUp: number;
    localAddress?: string;
  }[];
};
type ProviderStatus = {
  bytesServed: number;
  earnedWei: string;
  redeemedWei: string;
  stakeWei: string;
  sessions: number;
};

describe('paid tunnel on the devnet, 1 hop', { timeout: 240_000 }, () => {
  let origin: Origin;
  let devnet: DevnetProcess;
  before(async () => {
    origin = await startOrigin();
    devnet = await startDevnetCli(['--auditors', '0']);
  });
  after(async () => {
    await devnet?.stop();
    await origin?.close();
  });

  it('the JSON line names the proxies, the client API and three providers', () => {
    const { info } = devnet;
    assert.match(info.socks, /^127\.0\.0\.1:\d+$/);
    assert.match(info.httpProxy, /^127\.0\.0\.1:\d+$/);
    assert.match(info.client.api, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.providers.length, 3);
    for (const p of info.providers) {
      assert.match(p.address, /^0x[0-9a-fA-F]{40}$/);
      assert.match(p.peerId, /^12D3KooW/);
      assert.match(p.priceWeiPerGiB, /^\d+$/);
    }
  });

  it('curl through SOCKS5 and the HTTP proxy: byte-identical; paid within a tick; redeemed on chain', async () => {
    const { info } = devnet;
    const chain = createPublicClient({ transport: http(info.rpc) });
    const client0 = await getJson<ClientStatus>(`${info.client.api}/api/status`);
    const hop = client0.path[0];
    assert.ok(hop, 'the client built its path at start');
    for (const p of info.providers) {
      assert.ok(BigInt(hop.priceWeiPerGiB) <= BigInt(p.priceWeiPerGiB), 'the client chose the cheapest provider');
    }
    const provider = info.providers.find((p) => p.address === hop.provider);
    assert.ok(provider);
    const balanceOf = () =>
      chain.readContract({
        address: info.contracts.token,
        abi: bandwidthTokenAbi,
        functionName: 'balanceOf',
        args: [hop.provider],
      });
    const balanceBefore = await balanceOf();
    const redeemedBefore = BigInt((await getJson<ProviderStatus>(`${provider.api}/api/status`)).redeemedWei);

    const url = `http://127.0.0.1:${origin.port}/file.bin`;
    assert.equal(await curlSha256(['--socks5-hostname', info.socks, url], SIZE), origin.sha256);
    assert.equal(await curlSha256(['--proxy', `http://${info.httpProxy}`, url], SIZE), origin.sha256);

    // The client paid for every byte the hop carried, both ways, within one tick.
    const price = BigInt(hop.priceWeiPerGiB);
    const tick = tickValueFor(price);
    // Payments trail delivery by a round trip: wait until they are within one tick of what was carried.
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
    assert.ok(status.bytesDown >= 2 * SIZE);
    const bytes = BigInt(status.bytesDown + status.bytesUp);
    const owed = (bytes * price) / GIB;
    const paid = BigInt(status.paidWei);
    const diff = paid > owed ? paid - owed : owed - paid;
    assert.ok(diff <= tick, `paid ${paid} for ${bytes} bytes (owed ${owed}, one tick ${tick})`);

    // The provider redeems within 30 s of the session going idle; its balance rises by that less the fee.
    const redeemed = await pollFor(
      'the redemption',
      async () => {
        const s = await getJson<ProviderStatus>(`${provider.api}/api/status`);
        return BigInt(s.redeemedWei) >= paid && BigInt(s.earnedWei) === paid ? BigInt(s.redeemedWei) : undefined;
      },
      30_000,
    );
    assert.equal(redeemed - redeemedBefore, paid);
    const channel = await chain.readContract({
      address: info.contracts.channels,
      abi: paymentChannelsAbi,
      functionName: 'getChannel',
      args: [hop.channelId],
    });
    assert.equal(channel.redeemed, paid);
    const net = (amount: bigint) => amount - (amount * channel.feeBps) / 10_000n;
    assert.equal((await balanceOf()) - balanceBefore, net(redeemed) - net(redeemedBefore));
  });
});

describe('paid tunnel on the devnet, 3 hops', { timeout: 240_000 }, () => {
  let origin: Origin;
  let devnet: DevnetProcess;
  before(async () => {
    origin = await startOrigin();
    devnet = await startDevnetCli(['--hops', '3', '--auditors', '0']);
  });
  after(async () => {
    await devnet?.stop();
    await origin?.close();
  });

  it('works, pays each hop, and no hop sees both the client and the destination', async () => {
    const { info } = devnet;
    const url = `http://127.0.0.1:${origin.port}/file.bin`;
    assert.equal(await curlSha256(['--socks5-hostname', info.socks, url], SIZE), origin.sha256);
    const status = await getJson<ClientStatus>(`${info.client.api}/api/status`);
    assert.equal(status.path.length, 3);
    assert.equal(new Set(status.path.map((h) => h.provider)).size, 3, 'three distinct providers');
    for (const [i, h] of status.path.entries()) {
      assert.ok(BigInt(h.paidWei) > 0n, `hop ${i + 1} paid`);
      // Inner hops carry the exit's encrypted records: at least the payload itself.
      assert.ok(h.bytesDown >= SIZE, `hop ${i + 1} carried ${h.bytesDown}`);
    }
    for (const h of status.path) {
      const p = info.providers.find((x) => x.address === h.provider);
      assert.ok(p);
      await pollFor(
        `provider ${h.provider} earnings`,
        async () => {
          const s = await getJson<ProviderStatus>(`${p.api}/api/status`);
          return BigInt(s.earnedWei) > 0n ? s : undefined;
        },
        10_000,
      );
    }

    const clientSocket = status.path[0]?.localAddress;
    assert.ok(clientSocket, 'the client reports its socket to hop 1');
    const logOf = (address: Address) =>
      readFileSync(info.providers.find((p) => p.address === address)?.log as string, 'utf8');
    const opened = (log: string) =>
      log
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'tunnel session opened')
        .map((l) => l.remote as string);
    const [first, , exit] = status.path.map((h) => logOf(h.provider));
    // Hop 1 sees the client's connection; the exit sees only hop 2's.
    assert.ok(
      opened(first as string).includes(clientSocket),
      `hop 1 saw ${opened(first as string)}, the client is ${clientSocket}`,
    );
    assert.ok(opened(exit as string).length > 0);
    assert.ok(!opened(exit as string).includes(clientSocket), 'the exit never sees the client connection');
    // No hop logs or stores the destination.
    for (const h of status.path) {
      const log = logOf(h.provider);
      assert.ok(!log.includes(String(origin.port)), `provider ${h.provider} log names the destination port`);
      assert.ok(!log.includes('file.bin'));
    }
  });
});
