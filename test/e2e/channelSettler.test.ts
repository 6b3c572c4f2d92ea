/**
 * The client's `ChannelSettler` on a real chain: a co-signed cooperative close its provider never submitted is
 * put on chain by the client's next round; a channel whose unilateral close passed its challenge period is
 * settled without the user running `bandex channel settle`. Each refund lands in the wallet that funded the
 * hop key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestClient, http } from 'viem';
import { signCloseChannel, signStartClose } from '../../src/accounting/closeChannel.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { balanceOf } from '../../src/chain/actions/balanceOf.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { getChannel, isChannelGone } from '../../src/chain/actions/getChannel.ts';
import { startCloseChannel } from '../../src/chain/actions/startCloseChannel.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { createSerialWrites } from '../../src/chain/serialWrites.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { ChannelSettler } from '../../src/client/ChannelSettler.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createWalletFunder } from '../../src/session/ChannelFunder.ts';
import { newHopKey } from '../../src/session/hopKeys.ts';
import { encodeCoSignedClose, payerCloseKey } from '../../src/session/requestCooperativeClose.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';

const RBT = 10n ** 18n;
let chain: EmbeddedChain;

before(async () => {
  chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-settler-')) });
});
after(async () => {
  await chain?.stop();
});

test('the client submits a co-signed close left off chain, and settles a unilateral close when it is due', async () => {
  const { deployment } = chain;
  const wallet = devAccount(1);
  const provider = devAccount(2);
  const client = createChainClient(chain.anvil.rpcUrl, wallet);
  await buyRbt(client, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
  const store = new ChannelStore(
    openDatabase({ file: join(mkdtempSync(join(tmpdir(), 'bandex-settler-')), 'client.db') }),
  );
  const funder = createWalletFunder({ client, deployment, logger: silentLogger });
  const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
  const deposit = 5n * RBT;
  const open = async () => {
    const hopKey = await newHopKey(wallet, store);
    const { channelId } = await funder.fund({ payer: hopKey.address, payee: provider.address, deposit, premiumBps: 0 });
    store.saveChannel({
      channelId,
      role: 'payer',
      chainId: deployment.chainId,
      contract: deployment.contracts.channels,
      payer: hopKey.address,
      payee: provider.address,
      deposit,
    });
    return { channelId, hopKey };
  };
  const rbt = () => balanceOf(client, { token: deployment.contracts.token, account: wallet.address });
  const settler = new ChannelSettler({
    client,
    deployment,
    store,
    funder,
    serialWrites: createSerialWrites(),
    logger: silentLogger,
  });

  // A close the provider co-signed inside the session and never submitted.
  const cosigned = await open();
  const amount = RBT;
  store.setMeta(
    payerCloseKey(cosigned.channelId),
    encodeCoSignedClose({
      channelId: cosigned.channelId,
      amount,
      payerSignature: await signCloseChannel(cosigned.hopKey, domain, cosigned.channelId, amount),
      payeeSignature: await signCloseChannel(provider, domain, cosigned.channelId, amount),
    }),
  );
  // A channel closed unilaterally (its provider would not co-sign): the challenge period runs.
  const unilateral = await open();
  await startCloseChannel(client, {
    deployment,
    channelId: unilateral.channelId,
    payerSignature: await signStartClose(unilateral.hopKey, domain, unilateral.channelId),
  });
  // And one still open: left alone.
  const live = await open();

  let before = await rbt();
  assert.deepEqual(await settler.round(), [cosigned.channelId], 'the co-signed close only: the other is not due');
  assert.equal((await rbt()) - before, deposit - amount, 'its rest refunded to the wallet');
  assert.equal(store.getMeta(payerCloseKey(cosigned.channelId)), undefined);

  const period = await client.readContract({
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    functionName: 'challengePeriod',
  });
  const testClient = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) });
  await testClient.increaseTime({ seconds: Number(period) + 1 });
  await testClient.mine({ blocks: 1 });
  before = await rbt();
  assert.deepEqual(await settler.round(), [unilateral.channelId], 'settled once its challenge period is over');
  assert.equal((await rbt()) - before, deposit, 'nothing was redeemed: the whole deposit comes back');
  assert.ok(isChannelGone(await getChannel(client, { deployment, channelId: unilateral.channelId })));
  assert.ok(!isChannelGone(await getChannel(client, { deployment, channelId: live.channelId })), 'the open one stays');
  assert.deepEqual(await settler.round(), [], 'nothing left to do');
  store.close();
});
