/**
 * Budgets enforced on chain, from TypeScript on the embedded chain: an owner funds three devices; each
 * device key signs its own channel requests (it holds no gas and no RBT: a relayer submits), pays a provider
 * through the channel with vouchers the provider redeems, and the device that asks beyond its budget is
 * refused by the contract, whatever the relayer does. Closing returns the unspent rest to the owner.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { readContract } from 'viem/actions';
import { signCloseChannel } from '../../src/accounting/closeChannel.ts';
import { signVoucher } from '../../src/accounting/voucher.ts';
import { deviceBudgetsAbi } from '../../src/chain/abi/deviceBudgets.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { balanceOf } from '../../src/chain/actions/balanceOf.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { cooperativeCloseSigned } from '../../src/chain/actions/cooperativeCloseSigned.ts';
import { fundDeviceBudgets } from '../../src/chain/actions/fundDeviceBudgets.ts';
import { getChannel } from '../../src/chain/actions/getChannel.ts';
import { openDeviceChannel } from '../../src/chain/actions/openDeviceChannel.ts';
import { sendTransaction } from '../../src/chain/actions/sendTransaction.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { CallRevertedError } from '../../src/chain/errors.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';

const RBT = 10n ** 18n;
const DAY = 86_400;

describe('device budgets on chain', () => {
  let chain: EmbeddedChain;

  before(async () => {
    chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-budgets-')) });
  });
  after(async () => {
    await chain?.stop();
  });

  test('three devices spend within their budgets; the one asking for more is refused', async () => {
    const { deployment } = chain;
    const rpc = chain.anvil.rpcUrl;
    const owner = createChainClient(rpc, devAccount(1));
    const provider = devAccount(2);
    const relayer = createChainClient(rpc, devAccount(3));
    await buyRbt(owner, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
    const devices = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()));
    await fundDeviceBudgets(owner, {
      deployment,
      deposit: 30n * RBT,
      devices: devices.map((d) => ({ device: d.address, budget: 5n * RBT, periodSec: DAY })),
    });
    const ownerBalance = () =>
      readContract(owner, {
        address: deployment.contracts.budgets,
        abi: deviceBudgetsAbi,
        functionName: 'balanceOf',
        args: [devAccount(1).address],
      });
    assert.equal(await ownerBalance(), 30n * RBT);

    // Each device opens a channel to the provider within its budget and pays through it.
    const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
    const providerClient = createChainClient(rpc, provider);
    const before = await balanceOf(providerClient, { token: deployment.contracts.token, account: provider.address });
    const channels = [];
    for (const device of devices) {
      const { channelId } = await openDeviceChannel(relayer, {
        deployment,
        device,
        payee: provider.address,
        deposit: 4n * RBT,
      });
      const channel = await getChannel(relayer, { deployment, channelId });
      assert.equal(channel.payer, device.address);
      assert.equal(channel.refundTo, deployment.contracts.budgets);
      const voucher = { channelId, amount: RBT, tickAnchor: `0x${'00'.repeat(32)}` as const, tickValue: 0n };
      const signed = await signVoucher(device, domain, voucher);
      await sendTransaction(providerClient, {
        address: deployment.contracts.channels,
        abi: paymentChannelsAbi,
        functionName: 'redeem',
        args: [signed.voucher, signed.signature],
      });
      channels.push({ device, channelId });
    }
    const paid =
      (await balanceOf(providerClient, { token: deployment.contracts.token, account: provider.address })) - before;
    assert.ok(paid > 0n && paid <= 3n * RBT, `the provider was paid ${paid}`);
    assert.equal(await ownerBalance(), 18n * RBT);

    // Device 3 asks for 2 RBT more: 4 + 2 > 5 in this period. Refused on chain, whoever relays it.
    const greedy = devices[2] as (typeof devices)[number];
    await assert.rejects(
      openDeviceChannel(relayer, { deployment, device: greedy, payee: provider.address, deposit: 2n * RBT }),
      (error) => error instanceof CallRevertedError && error.meta.errorName === 'BudgetExceeded',
    );
    await assert.rejects(
      openDeviceChannel(owner, { deployment, device: greedy, payee: provider.address, deposit: 2n * RBT }),
      (error) => error instanceof CallRevertedError && error.meta.errorName === 'BudgetExceeded',
    );
    // Within what is left it may.
    await openDeviceChannel(relayer, { deployment, device: greedy, payee: provider.address, deposit: RBT });
    assert.equal(await ownerBalance(), 17n * RBT);

    // A cooperative close by both signatures (the device has no gas): the rest returns to the owner.
    const first = channels[0] as (typeof channels)[number];
    await cooperativeCloseSigned(providerClient, {
      deployment,
      channelId: first.channelId,
      amount: RBT,
      payerSignature: await signCloseChannel(first.device, domain, first.channelId, RBT),
      payeeSignature: await signCloseChannel(provider, domain, first.channelId, RBT),
    });
    assert.equal(await ownerBalance(), 20n * RBT);
  });
});
