/**
 * Issue 18, "refunds in seconds": a client that ends gets its unspent deposits back at once. Through the SDK,
 * against a real devnet, a paid 3-hop fetch; then `close()`: each hop's provider co-signs a cooperative close
 * for what it was promised (asked inside the session, through the earlier hops) and submits it. The test reads
 * the chain: every channel gone, each provider paid exactly what the client promised it, the rest refunded to
 * the wallet that funded the hop keys, within a few blocks of the close — no challenge period, no `settle`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createClient } from 'bandex';
import type { Hex } from 'viem';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { balanceOf } from '../../src/chain/actions/balanceOf.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { getChannel, isChannelGone } from '../../src/chain/actions/getChannel.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { readDeployment } from '../../src/chain/deployment.ts';
import { devAccount, devPrivateKey } from '../../src/chain/devAccounts.ts';
import { type DevnetProcess, startDevnetCli } from '../support/devnet.ts';

/** An account the devnet leaves alone (it uses 0–12). */
const APP_ACCOUNT = 14;
const BODY = Buffer.alloc(3 * 1024 * 1024, 5);
const DEPOSIT = 10n * 10n ** 18n;

let devnet: DevnetProcess;
const origin = createServer((_req, res) => {
  res.writeHead(200, { 'content-length': BODY.length });
  res.end(BODY);
});

before(async () => {
  devnet = await startDevnetCli(['--hops', '3', '--auditors', '0']);
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  origin.close();
  await devnet?.stop();
});

test('a client that ends gets every unspent deposit back within a few blocks, each provider paid what it was promised', async () => {
  const { info } = devnet;
  const deployment = readDeployment(info.deployment);
  const wallet = devAccount(APP_ACCOUNT);
  const chain = createChainClient(info.rpc, wallet);
  await buyRbt(chain, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
  const bandex = await createClient({
    rpc: info.rpc,
    deployment: info.deployment,
    privateKey: devPrivateKey(APP_ACCOUNT),
    bootstrap: info.bootstrap,
    allowPrivateAddresses: true,
    hops: 3,
    depositWei: DEPOSIT,
  });
  let hops: { provider: `0x${string}`; channelId: Hex; paidWei: bigint }[] = [];
  try {
    const response = await bandex.fetch(`http://127.0.0.1:${(origin.address() as AddressInfo).port}/`);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(BODY));
    hops = bandex.status().path.map((h) => ({ provider: h.provider, channelId: h.channelId, paidWei: h.paidWei }));
    assert.equal(hops.length, 3);
  } catch (error) {
    await bandex.close();
    throw error;
  }
  const rbt = (account: `0x${string}`) => balanceOf(chain, { token: deployment.contracts.token, account });
  const walletBefore = await rbt(wallet.address);
  const providersBefore = await Promise.all(hops.map((h) => rbt(h.provider)));
  const redeemedBefore = await Promise.all(
    hops.map(async (h) => (await getChannel(chain, { deployment, channelId: h.channelId })).redeemed),
  );
  const fromBlock = await chain.getBlockNumber();
  const startedAt = Date.now();
  await bandex.close();
  const seconds = (Date.now() - startedAt) / 1000;

  const closed = await chain.getContractEvents({
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    eventName: 'ChannelClosed',
    fromBlock,
  });
  let refunds = 0n;
  const blocks: bigint[] = [];
  for (const [i, hop] of hops.entries()) {
    assert.ok(isChannelGone(await getChannel(chain, { deployment, channelId: hop.channelId })), `hop ${i + 1}: gone`);
    const event = closed.find((e) => e.args.channelId?.toLowerCase() === hop.channelId.toLowerCase());
    assert.ok(event, `hop ${i + 1}: closed cooperatively (ChannelClosed, not a settle after a challenge period)`);
    const { redeemed = 0n, refund = 0n } = event.args;
    assert.equal(redeemed + refund, DEPOSIT, 'the deposit is split between the provider and the refund');
    // The provider is paid what the client promised on the channel (a fresh one: all of it in this session;
    // the last ticks of the fetch may have left after the status was read).
    assert.ok(redeemed >= hop.paidWei && hop.paidWei > 0n, `hop ${i + 1}: paid ${redeemed}, promised ${hop.paidWei}`);
    if (redeemed > (redeemedBefore[i] ?? 0n))
      assert.ok(
        (await rbt(hop.provider)) > (providersBefore[i] ?? 0n),
        `hop ${i + 1}: the provider was paid at the close`,
      );
    refunds += refund;
    blocks.push(event.blockNumber - fromBlock);
  }
  assert.equal((await rbt(wallet.address)) - walletBefore, refunds, 'every refund went to the wallet');
  const most = blocks.reduce((a, b) => (a > b ? a : b));
  assert.ok(most <= 10n, `all three channels closed within ${most} blocks of the close`);
  process.stdout.write(
    `# refunds: 3 channels closed cooperatively in ${seconds.toFixed(1)} s, within ${most} blocks; refunded ${refunds} wei\n`,
  );
});
