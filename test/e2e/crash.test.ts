/**
 * Crash test: a real provider process, serving a paid transfer under the credit rule and persisting
 * every payment in SQLite before extending credit, is killed with SIGKILL at random points 50 times
 * and restarted; the client carries on with the same channel each time. After every kill, the
 * provider's durable claim falls short of what the client promised by at most one credit window.
 * At the end a recovered provider redeems its claim on chain. The worst loss is reported.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TICK_BYTES } from '../../src/accounting/constants.ts';
import { encodePayment } from '../../src/accounting/messages.ts';
import { PayerChannel } from '../../src/accounting/PayerChannel.ts';
import { bandwidthTokenAbi } from '../../src/chain/abi/bandwidthToken.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { openChannel } from '../../src/chain/actions/openChannelFor.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { DATA_FRAME, PAYMENT_FRAME, readFrames, writeFrame } from '../support/frames.ts';
import { payDelivered } from '../support/payments.ts';

const RBT = 10n ** 18n;
const KILLS = 50;
const CREDIT_BYTES = 8 * TICK_BYTES;
const PROVIDER = join(import.meta.dirname, '../support/crashProvider.ts');
/** anvil's account #2 (the provider in these tests): a well-known dev key, embedded chain only. */
const PROVIDER_KEY = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a';

let chain: EmbeddedChain;
before(async () => {
  chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-crash-')) });
});
after(async () => {
  await chain?.stop();
});

function startProvider(config: object): Promise<{ child: ChildProcessWithoutNullStreams; line: string }> {
  const child = spawn(process.execPath, [PROVIDER, JSON.stringify(config)]);
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ child, line: out.trim() });
    });
    child.once('exit', (code) => reject(new Error(`provider exited with ${code}: ${err}`)));
  });
}

test(`a provider killed ${KILLS} times mid-transfer loses at most one credit window`, async (t) => {
  const { channels, token } = chain.deployment.contracts;
  const payerAccount = devAccount(1);
  const providerAddress = devAccount(2).address;
  const payer = createChainClient(chain.anvil.rpcUrl, payerAccount);
  await buyRbt(payer, { deployment: chain.deployment, reserveIn: 5_000n * 10n ** 6n, useFaucet: true });
  const deposit = 1_000n * RBT;
  const { channelId } = await openChannel(payer, {
    deployment: chain.deployment,
    payee: providerAddress,
    deposit: deposit,
  });

  const price = 100n * RBT; // per GiB: every tick is worth ~6.1e15 wei
  const payerSide = new PayerChannel({
    account: payerAccount,
    domain: { chainId: chain.deployment.chainId, channels },
    channelId,
    deposit,
    alreadyPromised: 0n,
    priceWeiPerGiB: price,
    chainLength: 4_096,
    ticksPerVoucher: 64,
  });
  const dbFile = join(mkdtempSync(join(tmpdir(), 'bandex-crash-db-')), 'provider.db');
  const config = {
    rpc: chain.anvil.rpcUrl,
    deploymentFile: chain.deploymentFile,
    dbFile,
    providerKey: PROVIDER_KEY,
    channelId,
    payer: payerAccount.address,
    deposit: deposit.toString(),
    priceWeiPerGiB: price.toString(),
    creditBytes: CREDIT_BYTES,
  };
  const creditValue = BigInt(CREDIT_BYTES / TICK_BYTES + 1) * payerSide.tickValue; // window + the payer's round-up tick
  let worstLoss = 0n;
  let seed = 0x5eed;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  for (let round = 0; round < KILLS; round++) {
    const { child, line } = await startProvider(config);
    const socket = connect(Number(line), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let sending = Promise.resolve();
    readFrames(socket, (type, payload) => {
      if (type !== DATA_FRAME) return;
      sending = sending.then(async () => {
        for (const payment of await payDelivered(payerSide, payload.length))
          writeFrame(socket, PAYMENT_FRAME, encodePayment(payment));
      });
    });
    socket.on('error', () => {});
    writeFrame(socket, PAYMENT_FRAME, encodePayment({ kind: 'voucher', signed: await payerSide.open() }));
    await new Promise((resolve) => setTimeout(resolve, 20 + random() * 150));
    const exited = child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.notEqual(child.exitCode, 2, 'the provider refused a payment');
    socket.destroy();
    await sending.catch(() => {});

    const store = new ChannelStore(openDatabase({ file: dbFile }));
    const durable = store.latestClaim(channelId)?.value ?? 0n;
    store.close();
    const loss = payerSide.promised - durable;
    assert.ok(loss >= 0n, 'the provider never holds more than the client promised');
    assert.ok(loss <= creditValue, `round ${round}: lost ${loss} wei, more than one credit window (${creditValue})`);
    if (loss > worstLoss) worstLoss = loss;
  }
  assert.ok(payerSide.bytesDelivered > KILLS * TICK_BYTES, 'the transfer made progress across restarts');

  // A recovered provider redeems its durable claim on chain.
  const before = await payer.readContract({
    address: token,
    abi: bandwidthTokenAbi,
    functionName: 'balanceOf',
    args: [providerAddress],
  });
  const { line } = await startProvider({ ...config, redeem: true });
  const redeemedValue = BigInt(line);
  const onChain = await payer.readContract({
    address: channels,
    abi: paymentChannelsAbi,
    functionName: 'getChannel',
    args: [channelId],
  });
  assert.equal(onChain.redeemed, redeemedValue);
  const afterBalance = await payer.readContract({
    address: token,
    abi: bandwidthTokenAbi,
    functionName: 'balanceOf',
    args: [providerAddress],
  });
  assert.ok(afterBalance > before);
  const ticksLost = Number(worstLoss / payerSide.tickValue);
  t.diagnostic(
    `worst loss over ${KILLS} kills: ${worstLoss} wei = ${ticksLost} ticks (${ticksLost * 64} KiB); credit window ${CREDIT_BYTES / 1024} KiB; ` +
      `delivered ${(payerSide.bytesDelivered / 2 ** 20).toFixed(1)} MiB`,
  );
});
