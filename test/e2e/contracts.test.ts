/**
 * The contracts driven from TypeScript on the embedded chain: a voucher signed with viem is
 * redeemed on chain and the payee is paid less the fee; the same voucher replayed on another
 * channel and on another chain (same contract address, other chain id) is rejected; hash-chain
 * ticks computed in TypeScript verify on chain.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ContractFunctionRevertedError, type Hex, sha256, BaseError as ViemBaseError } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { signCloseChannel, signStartClose } from '../../src/accounting/closeChannel.ts';
import { type Receipt, sessionIdOf, signReceipt } from '../../src/accounting/receipt.ts';
import { bandwidthTokenAbi } from '../../src/chain/abi/bandwidthToken.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { balanceOf } from '../../src/chain/actions/balanceOf.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { cooperativeCloseSigned } from '../../src/chain/actions/cooperativeCloseSigned.ts';
import { getChannel } from '../../src/chain/actions/getChannel.ts';
import { openChannel, openChannelFor } from '../../src/chain/actions/openChannelFor.ts';
import { sendTransaction } from '../../src/chain/actions/sendTransaction.ts';
import { startCloseChannel } from '../../src/chain/actions/startCloseChannel.ts';
import { type ChainClient, createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { CallRevertedError } from '../../src/chain/errors.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { channelsDomain, voucherTypes } from '../../src/chain/typedData.ts';

const RBT = 10n ** 18n;
const ZERO32 = `0x${'00'.repeat(32)}` as Hex;
const payerAccount = devAccount(1);
const payeeAccount = devAccount(2);

function revertName(error: unknown): string | undefined {
  if (error instanceof CallRevertedError) return error.meta.errorName;
  if (!(error instanceof ViemBaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  return reverted instanceof ContractFunctionRevertedError ? reverted.data?.errorName : undefined;
}

async function setUpChannel(chain: EmbeddedChain): Promise<{ payer: ChainClient; payee: ChainClient; id: Hex }> {
  const payer = createChainClient(chain.anvil.rpcUrl, payerAccount);
  const payee = createChainClient(chain.anvil.rpcUrl, payeeAccount);
  await buyRbt(payer, { deployment: chain.deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
  const { channelId } = await openChannel(payer, {
    deployment: chain.deployment,
    payee: payeeAccount.address,
    deposit: 100n * RBT,
  });
  return { payer, payee, id: channelId };
}

describe('contracts from TypeScript', () => {
  let chainA: EmbeddedChain;
  let chainB: EmbeddedChain;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-contracts-'));
    [chainA, chainB] = await Promise.all([
      startEmbeddedChain({ port: 0, deploymentsDir: join(dir, 'a') }),
      startEmbeddedChain({ port: 0, chainId: 31338, deploymentsDir: join(dir, 'b') }),
    ]);
  });

  after(async () => {
    await Promise.all([chainA?.stop(), chainB?.stop()]);
  });

  test('a TypeScript-signed voucher redeems; replays on another channel or chain are rejected', async () => {
    const { channels, token } = chainA.deployment.contracts;
    // Same deployer, same CREATE2 salts: the contracts sit at the same addresses on both chains.
    assert.equal(chainB.deployment.contracts.channels, channels);

    const a = await setUpChannel(chainA);
    const b = await setUpChannel(chainB);
    assert.equal(b.id, a.id, 'same payer, payee and nonce give the same channel id on both chains');

    const amount = 7n * RBT;
    const message = { channelId: a.id, amount, tickAnchor: ZERO32, tickValue: 0n };
    const signature = await payerAccount.signTypedData({
      domain: channelsDomain(chainA.deployment.chainId, channels),
      types: voucherTypes,
      primaryType: 'Voucher',
      message,
    });

    const before = await a.payee.readContract({
      address: token,
      abi: bandwidthTokenAbi,
      functionName: 'balanceOf',
      args: [payeeAccount.address],
    });
    await sendTransaction(a.payee, {
      address: channels,
      abi: paymentChannelsAbi,
      functionName: 'redeem',
      args: [message, signature],
    });
    const afterRedeem = await a.payee.readContract({
      address: token,
      abi: bandwidthTokenAbi,
      functionName: 'balanceOf',
      args: [payeeAccount.address],
    });
    const feeBps = await a.payee.readContract({ address: channels, abi: paymentChannelsAbi, functionName: 'feeBps' });
    assert.equal(afterRedeem - before, amount - (amount * feeBps) / 10_000n);

    // Replay on chain B (other chain id in the EIP-712 domain): the signer recovers wrong.
    await assert.rejects(
      sendTransaction(b.payee, {
        address: channels,
        abi: paymentChannelsAbi,
        functionName: 'redeem',
        args: [message, signature],
      }),
      (error) => revertName(error) === 'InvalidSigner',
    );
    // Replay on another channel of the same chain: the channel id is in the signed struct.
    const { channelId: otherId } = await openChannel(a.payer, {
      deployment: chainA.deployment,
      payee: payeeAccount.address,
      deposit: 10n * RBT,
    });
    await assert.rejects(
      sendTransaction(a.payee, {
        address: channels,
        abi: paymentChannelsAbi,
        functionName: 'redeem',
        args: [{ ...message, channelId: otherId }, signature],
      }),
      (error) => revertName(error) === 'InvalidSigner',
    );
    // Replay of the redeemed voucher itself pays nothing more.
    await assert.rejects(
      sendTransaction(a.payee, {
        address: channels,
        abi: paymentChannelsAbi,
        functionName: 'redeem',
        args: [message, signature],
      }),
      (error) => revertName(error) === 'NothingToRedeem',
    );
  });

  test('hash-chain ticks computed in TypeScript verify on chain', async () => {
    const { channels } = chainA.deployment.contracts;
    const payer = createChainClient(chainA.anvil.rpcUrl, payerAccount);
    const payee = createChainClient(chainA.anvil.rpcUrl, payeeAccount);
    const { channelId: id } = await openChannel(payer, {
      deployment: chainA.deployment,
      payee: payeeAccount.address,
      deposit: 10n * RBT,
    });
    const chain: Hex[] = [sha256('0x5eed')];
    for (let i = 0; i < 100; i++) chain.push(sha256(chain[i] as Hex));
    const anchor = chain[100] as Hex;
    const tickValue = RBT / 100n;
    const message = { channelId: id, amount: RBT, tickAnchor: anchor, tickValue };
    const signature = await payerAccount.signTypedData({
      domain: channelsDomain(chainA.deployment.chainId, channels),
      types: voucherTypes,
      primaryType: 'Voucher',
      message,
    });
    // 40 ticks reveal chain[60].
    await sendTransaction(payee, {
      address: channels,
      abi: paymentChannelsAbi,
      functionName: 'redeemWithTicks',
      args: [message, signature, chain[60] as Hex, 40n],
    });
    const channel = await payee.readContract({
      address: channels,
      abi: paymentChannelsAbi,
      functionName: 'getChannel',
      args: [id],
    });
    assert.equal(channel.redeemed, RBT + 40n * tickValue);
    // A preimage that does not hash to the anchor in the claimed number of steps is rejected.
    await assert.rejects(
      sendTransaction(payee, {
        address: channels,
        abi: paymentChannelsAbi,
        functionName: 'redeemWithTicks',
        args: [message, signature, chain[50] as Hex, 41n],
      }),
      (error) => revertName(error) === 'InvalidTickPreimage',
    );
  });

  test('a wallet funds a channel for a one-time key, which closes it by signature without gas', async () => {
    const deployment = chainA.deployment;
    const wallet = createChainClient(chainA.anvil.rpcUrl, payerAccount);
    const payee = createChainClient(chainA.anvil.rpcUrl, payeeAccount);
    const hopKey = privateKeyToAccount(generatePrivateKey());
    const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
    const balance = () => balanceOf(wallet, { token: deployment.contracts.token, account: payerAccount.address });
    const before = await balance();
    const { channelId } = await openChannelFor(wallet, {
      deployment,
      payer: hopKey.address,
      payee: payeeAccount.address,
      deposit: 10n * RBT,
    });
    const opened = await getChannel(wallet, { deployment, channelId });
    assert.equal(opened.payer, hopKey.address);
    assert.equal(opened.refundTo, payerAccount.address);
    assert.equal(await balance(), before - 10n * RBT);
    // The key signs, the payee submits: the key never needs gas.
    const amount = 3n * RBT;
    await cooperativeCloseSigned(payee, {
      deployment,
      channelId,
      amount,
      payerSignature: await signCloseChannel(hopKey, domain, channelId, amount),
      payeeSignature: await signCloseChannel(payeeAccount, domain, channelId, amount),
    });
    assert.equal(await balance(), before - amount);
    assert.equal(await wallet.getBalance({ address: hopKey.address }), 0n);
    // A unilateral close by the key's signature, submitted by the wallet.
    const { channelId: second } = await openChannelFor(wallet, {
      deployment,
      payer: hopKey.address,
      payee: payeeAccount.address,
      deposit: RBT,
    });
    await assert.rejects(
      startCloseChannel(wallet, {
        deployment,
        channelId: second,
        payerSignature: await signStartClose(payeeAccount, domain, second),
      }),
      (error) => revertName(error) === 'InvalidSigner',
    );
    await startCloseChannel(wallet, {
      deployment,
      channelId: second,
      payerSignature: await signStartClose(hopKey, domain, second),
    });
    assert.notEqual((await getChannel(wallet, { deployment, channelId: second })).closesAt, 0n);
  });

  test('two different receipts signed in TypeScript for one session slash the provider on chain', async () => {
    const { registry, token } = chainA.deployment.contracts;
    const providerAccount = devAccount(3);
    const provider = createChainClient(chainA.anvil.rpcUrl, providerAccount);
    const reporter = createChainClient(chainA.anvil.rpcUrl, devAccount(4));
    await buyRbt(provider, { deployment: chainA.deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
    const stake = 1_000n * RBT;
    await sendTransaction(provider, {
      address: token,
      abi: bandwidthTokenAbi,
      functionName: 'approve',
      args: [registry, stake],
    });
    await sendTransaction(provider, {
      address: registry,
      abi: providerRegistryAbi,
      functionName: 'registerProvider',
      args: ['0x0024080112201234', RBT, '0x4445', 12_500_000n, 'equivocating provider', stake],
    });
    const channelId = `0x${'44'.repeat(32)}` as Hex;
    const receipt: Receipt = {
      sessionId: sessionIdOf(channelId, `0x${'01'.repeat(32)}`),
      channelId,
      bytesUp: 10n,
      bytesDown: 1_000n,
      amount: 5n,
      startTime: 1n,
      endTime: 2n,
    };
    const other = { ...receipt, bytesDown: 2_000n, amount: 10n };
    const domain = { chainId: chainA.deployment.chainId, registry };
    const [sigA, sigB] = await Promise.all([
      signReceipt(providerAccount, domain, receipt),
      signReceipt(providerAccount, domain, other),
    ]);
    const before = await provider.readContract({
      address: registry,
      abi: providerRegistryAbi,
      functionName: 'stakeOf',
      args: [providerAccount.address],
    });
    await sendTransaction(reporter, {
      address: registry,
      abi: providerRegistryAbi,
      functionName: 'slashEquivocation',
      args: [providerAccount.address, receipt, sigA, other, sigB],
    });
    const after = await provider.readContract({
      address: registry,
      abi: providerRegistryAbi,
      functionName: 'stakeOf',
      args: [providerAccount.address],
    });
    assert.ok(after < before, `stake fell from ${before} to ${after}`);
    // The same evidence twice is rejected.
    await assert.rejects(
      sendTransaction(reporter, {
        address: registry,
        abi: providerRegistryAbi,
        functionName: 'slashEquivocation',
        args: [providerAccount.address, receipt, sigA, other, sigB],
      }),
      (error) => revertName(error) === 'EquivocationAlreadySlashed',
    );
  });
});
