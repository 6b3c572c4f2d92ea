/**
 * Issue 6, priority: a session may pay a priority premium and the provider schedules it first
 * (weighted fair queuing on its capacity). On a devnet with one provider (capacity 16 MB/s, enforced
 * by its rate limiter) two clients push it at once: the devnet's own client without a premium, and a
 * second client paying a 10 % premium (`premiumBps` 1000 → weight 2). The premium client gets about
 * twice the bytes; the channel carries the premium on chain, and the premium client pays the premium
 * price for what it moved. The shares are printed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseUnits } from 'viem';
import { TICK_BYTES } from '../../src/accounting/constants.ts';
import { premiumPrice, tickValueFor } from '../../src/accounting/price.ts';
import { measureCapacity } from '../../src/audit/measureCapacity.ts';
import type { OpenStream } from '../../src/audit/sendCanary.ts';
import { type AuditTarget, startAuditTarget } from '../../src/audit/startAuditTarget.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { type ChainClient, createChainClient } from '../../src/chain/chainClient.ts';
import { readDeployment } from '../../src/chain/deployment.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type Client, startClient } from '../../src/client/startClient.ts';
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.ts';
import { weightForPremium } from '../../src/tunnel/RateLimiter.ts';
import { socksConnect } from '../support/socksConnect.ts';

const PREMIUM_BPS = 1_000;
/** A dev account the devnet leaves unused. */
const PRIORITY_ACCOUNT = 13;
const MEASURE = { streams: 4, warmupMs: 1_500, windowMs: 5_000 };

describe('priority premium under contention', { timeout: 180_000 }, () => {
  let dir: string;
  let devnet: Devnet;
  let priority: Client;
  let priorityChain: ChainClient;
  let target: AuditTarget;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bandex-priority-'));
    devnet = await startDevnet({ stateDir: join(dir, 'devnet'), providers: 1, auditors: 0 });
    priorityChain = createChainClient(devnet.info.rpc, devAccount(PRIORITY_ACCOUNT));
    const deployment = readDeployment(devnet.info.deployment);
    await buyRbt(priorityChain, { deployment, reserveIn: 2_000n * 10n ** 6n, useFaucet: true });
    priority = await startClient({
      client: priorityChain,
      deployment,
      stateDir: join(dir, 'priority-client'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [devnet.providers[0]?.multiaddrs[0] as string],
      hops: 1,
      depositWei: parseUnits('500', 18),
      premiumBps: PREMIUM_BPS,
      allowPrivateAddresses: true,
    });
    await priority.connect();
    target = await startAuditTarget({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await priority?.stop();
    await target?.close();
    await devnet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the premium session gets about twice the share; it pays the premium price', async (t) => {
    const provider = devnet.providers[0];
    assert.ok(provider);
    const normal = devnet.client;
    const via =
      (client: Client): OpenStream =>
      (destination) =>
        socksConnect(client.socks.address, destination);
    const [plain, premium] = await Promise.all([
      measureCapacity(via(normal), target.address, MEASURE),
      measureCapacity(via(priority), target.address, MEASURE),
    ]);
    const capacity = devnet.info.providers[0]?.capacityBytesPerSecond as number;
    const ratio = premium.bytesPerSecond / plain.bytesPerSecond;
    t.diagnostic(
      `capacity ${(capacity / 1e6).toFixed(1)} MB/s: premium ${(premium.bytesPerSecond / 1e6).toFixed(2)} MB/s, ` +
        `plain ${(plain.bytesPerSecond / 1e6).toFixed(2)} MB/s, ratio ${ratio.toFixed(2)} (weight ${weightForPremium(PREMIUM_BPS)})`,
    );
    assert.equal(plain.errors + premium.errors, 0);
    // Contended: together they got the provider's capacity (not more; not far less).
    const sum = premium.bytesPerSecond + plain.bytesPerSecond;
    assert.ok(sum > 0.7 * capacity && sum < 1.15 * capacity, `together ${sum} B/s of ${capacity}`);
    assert.ok(ratio > 1.5 && ratio < 2.7, `the premium session got ${ratio.toFixed(2)}× the plain one's share`);

    // On chain: the priority client's channel carries the premium; it paid the premium price per byte.
    const hop = priority.status().path[0];
    assert.ok(hop);
    const onChain = await priorityChain.readContract({
      address: devnet.info.contracts.channels,
      abi: paymentChannelsAbi,
      functionName: 'getChannel',
      args: [hop.channelId],
    });
    assert.equal(onChain.premiumBps, BigInt(PREMIUM_BPS));
    const price = premiumPrice(BigInt(devnet.info.providers[0]?.priceWeiPerGiB as string), PREMIUM_BPS);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = priority.status().path[0];
    assert.ok(after);
    const moved = after.bytesDown + after.bytesUp;
    const paid = after.paidWei;
    const tick = tickValueFor(price);
    t.diagnostic(`priority client moved ${moved} bytes, paid ${paid} wei (premium price ${price} wei/GiB)`);
    assert.ok(
      paid >= tick * BigInt(Math.floor(moved / TICK_BYTES)),
      'paid the premium price for every whole tick moved',
    );
    assert.ok(paid <= tick * BigInt(Math.ceil(moved / TICK_BYTES) + 1), 'and not more');
  });
});
