/**
 * The watcher on the embedded chain: a payee holds a claim (voucher + ticks) made by the real
 * payer/payee state machines and persisted in SQLite; the payer starts a unilateral close; the
 * watcher, restarted from its database, sees the close after its confirmation depth and redeems
 * inside the challenge period; settle then refunds the payer only the rest.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestClient, http } from 'viem';
import { signCloseChannel } from '../../src/accounting/closeChannel.ts';
import { TICK_BYTES } from '../../src/accounting/constants.ts';
import { PayeeChannel } from '../../src/accounting/PayeeChannel.ts';
import { PayerChannel } from '../../src/accounting/PayerChannel.ts';
import { NO_TICKS, signVoucher } from '../../src/accounting/voucher.ts';
import { bandwidthTokenAbi } from '../../src/chain/abi/bandwidthToken.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { getChannel } from '../../src/chain/actions/getChannel.ts';
import { openChannel } from '../../src/chain/actions/openChannelFor.ts';
import { type Redemption, redeemBatch } from '../../src/chain/actions/redeemBatch.ts';
import { sendTransaction } from '../../src/chain/actions/sendTransaction.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { CallRevertedError } from '../../src/chain/errors.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { ChannelWatcher } from '../../src/watcher/ChannelWatcher.ts';
import { payDelivered } from '../support/payments.ts';

const RBT = 10n ** 18n;
let chain: EmbeddedChain;

before(async () => {
  chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-watcher-')) });
});
after(async () => {
  await chain?.stop();
});

test('the watcher redeems the newest claim when the payer starts a unilateral close, across a restart', async () => {
  const { channels, token } = chain.deployment.contracts;
  const payerAccount = devAccount(1);
  const payeeAccount = devAccount(2);
  const payer = createChainClient(chain.anvil.rpcUrl, payerAccount);
  const payee = createChainClient(chain.anvil.rpcUrl, payeeAccount);
  const testClient = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) });
  await buyRbt(payer, { deployment: chain.deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
  const deposit = 50n * RBT;
  const { channelId } = await openChannel(payer, {
    deployment: chain.deployment,
    payee: payeeAccount.address,
    deposit: deposit,
  });

  // A paid session: 3 MiB delivered at 1 RBT/GiB, with a checkpoint voucher every 16 ticks.
  const domain = { chainId: chain.deployment.chainId, channels };
  const price = RBT;
  const payerSide = new PayerChannel({
    account: payerAccount,
    domain,
    channelId,
    deposit,
    alreadyPromised: 0n,
    priceWeiPerGiB: price,
    ticksPerVoucher: 16,
  });
  const payeeSide = new PayeeChannel({
    domain,
    channelId,
    payer: payerAccount.address,
    deposit,
    priceWeiPerGiB: price,
    creditBytes: 4 * TICK_BYTES,
  });
  payeeSide.acceptVoucherSync(await payerSide.open());
  for (const payment of await payDelivered(payerSide, 3 * 2 ** 20 + 5)) {
    if (payment.kind === 'tick') payeeSide.acceptTick(payment.preimage);
    else payeeSide.acceptVoucherSync(payment.signed);
  }
  const claim = payeeSide.claim;
  assert.ok(claim && claim.ticks > 0, 'the claim carries ticks beyond the last voucher');
  assert.equal(claim.value, payerSide.promised);

  const file = join(mkdtempSync(join(tmpdir(), 'bandex-watcher-db-')), 'provider.db');
  const store = new ChannelStore(openDatabase({ file }));
  store.saveChannel({
    channelId,
    role: 'payee',
    chainId: domain.chainId,
    contract: channels,
    payer: payerAccount.address,
    payee: payeeAccount.address,
    deposit,
  });
  store.saveClaim(channelId, claim);
  const policy = { minRedeemWei: 1_000n * RBT, maxIntervalMs: 3_600_000 };

  // Nothing is due yet: below the policy's minimum, no close.
  const first = new ChannelWatcher({ client: payee, deployment: chain.deployment, store, policy, confirmations: 1 });
  assert.deepEqual(await first.poll(), []);
  store.close();

  await sendTransaction(payer, {
    address: channels,
    abi: paymentChannelsAbi,
    functionName: 'startClose',
    args: [channelId],
  });
  await testClient.mine({ blocks: 2 });

  // A restarted watcher (new process, same database) picks the close up and redeems at once.
  const reopened = new ChannelStore(openDatabase({ file }));
  const balance = () =>
    payee.readContract({
      address: token,
      abi: bandwidthTokenAbi,
      functionName: 'balanceOf',
      args: [payeeAccount.address],
    });
  const before = await balance();
  const watcher = new ChannelWatcher({
    client: payee,
    deployment: chain.deployment,
    store: reopened,
    policy,
    confirmations: 1,
  });
  assert.deepEqual(
    (await watcher.poll()).map((id) => id.toLowerCase()),
    [channelId.toLowerCase()],
  );
  const feeBps = await payee.readContract({ address: channels, abi: paymentChannelsAbi, functionName: 'feeBps' });
  assert.equal((await balance()) - before, claim.value - (claim.value * feeBps) / 10_000n);
  assert.deepEqual(await watcher.poll(), [], 'nothing left to redeem');

  // After the challenge period, settle refunds the payer exactly the unredeemed rest.
  const period = await payer.readContract({
    address: channels,
    abi: paymentChannelsAbi,
    functionName: 'challengePeriod',
  });
  await testClient.increaseTime({ seconds: Number(period) + 1 });
  await testClient.mine({ blocks: 1 });
  const payerBefore = await payer.readContract({
    address: token,
    abi: bandwidthTokenAbi,
    functionName: 'balanceOf',
    args: [payerAccount.address],
  });
  await sendTransaction(payer, {
    address: channels,
    abi: paymentChannelsAbi,
    functionName: 'settle',
    args: [channelId],
  });
  const payerAfter = await payer.readContract({
    address: token,
    abi: bandwidthTokenAbi,
    functionName: 'balanceOf',
    args: [payerAccount.address],
  });
  assert.equal(payerAfter - payerBefore, deposit - claim.value);
  reopened.close();
});

test('one stale claim in a batch does not block the others: the contract skips it and says why', async () => {
  const { channels } = chain.deployment.contracts;
  const payerAccount = devAccount(3);
  const payeeAccount = devAccount(4);
  const payer = createChainClient(chain.anvil.rpcUrl, payerAccount);
  const payee = createChainClient(chain.anvil.rpcUrl, payeeAccount);
  await buyRbt(payer, { deployment: chain.deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
  const domain = { chainId: chain.deployment.chainId, channels };
  const redemptions = [];
  for (let i = 0; i < 3; i++) {
    const { channelId } = await openChannel(payer, {
      deployment: chain.deployment,
      payee: payeeAccount.address,
      deposit: 10n * RBT,
    });
    const signed = await signVoucher(payerAccount, domain, {
      channelId,
      amount: RBT,
      tickAnchor: NO_TICKS,
      tickValue: 0n,
    });
    redemptions.push({ voucher: signed.voucher, signature: signed.signature, preimage: NO_TICKS, ticks: 0n });
  }
  const [stale, fresh, gone] = redemptions as [Redemption, Redemption, Redemption];
  // Someone else already redeemed `stale`; the payer closed `gone` cooperatively: both since the batch was made.
  await redeemBatch(payer, { deployment: chain.deployment, redemptions: [stale] });
  await sendTransaction(payer, {
    address: channels,
    abi: paymentChannelsAbi,
    functionName: 'cooperativeClose',
    args: [gone.voucher.channelId, RBT, await signCloseChannel(payeeAccount, domain, gone.voucher.channelId, RBT)],
  });
  const { skipped } = await redeemBatch(payee, { deployment: chain.deployment, redemptions: [stale, fresh, gone] });
  assert.deepEqual(skipped, [
    { channelId: stale.voucher.channelId, reason: 'nothing to redeem' },
    { channelId: gone.voucher.channelId, reason: 'channel not found' },
  ]);
  const onChain = await getChannel(payee, { deployment: chain.deployment, channelId: fresh.voucher.channelId });
  assert.equal(onChain.redeemed, RBT);
  // A batch of nothing but stale claims reverts before it costs anything.
  await assert.rejects(
    redeemBatch(payee, { deployment: chain.deployment, redemptions: [stale, fresh] }),
    (error) => error instanceof CallRevertedError && error.meta.errorName === 'NothingRedeemed',
  );
});
