/**
 * `bandex channel` through the real binary against an embedded chain: open, list (as payer and as payee),
 * top up, close (a co-signed cooperative close at once; otherwise the start of the challenge period), settle after it, and wrong input (bad address,
 * insufficient balance, not the payer, too early, unknown channel) with exit code and message.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signCloseChannel } from '../../src/accounting/closeChannel.ts';
import { balanceOf } from '../../src/chain/actions/balanceOf.ts';
import { getChannel, isChannelGone } from '../../src/chain/actions/getChannel.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { createWalletFunder } from '../../src/session/ChannelFunder.ts';
import { newHopKey } from '../../src/session/hopKeys.ts';
import { encodeCoSignedClose, payerCloseKey } from '../../src/session/requestCooperativeClose.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { assertFailure, type Bench, startBench } from '../support/bandexCli.ts';

describe('bandex channel', () => {
  let bench: Bench;
  let client: { file: string; address: `0x${string}` };
  let provider: { file: string; address: `0x${string}` };
  let stranger: { file: string; address: `0x${string}` };
  let id: string;
  const as = (who: { file: string }, args: string[]) => bench.run([...args, '--key-file', who.file]);

  before(async () => {
    bench = await startBench('channel');
    client = bench.keyFile(1);
    provider = bench.keyFile(2);
    stranger = bench.keyFile(4);
    const bought = await as(client, ['token', 'buy', '100', '--faucet']);
    assert.equal(bought.code, 0, bought.stderr);
  });
  after(() => bench.stop());

  test('open refuses a bad payee, yourself, and a deposit larger than the balance', async () => {
    const [bad, self, poor] = await Promise.all([
      as(client, ['channel', 'open', '0xnot-an-address', '5']),
      as(client, ['channel', 'open', client.address, '5']),
      as(stranger, ['channel', 'open', provider.address, '5']),
    ]);
    assertFailure(bad, /"0xnot-an-address" is not an address/);
    assertFailure(self, /a channel to yourself pays nobody/);
    assertFailure(poor, /insufficient RBT: 0x[0-9a-fA-F]{40} holds 0 RBT, this needs 5 RBT: buy RBT first/);
  });

  test('open, then list as payer and as payee', async () => {
    const opened = await as(client, ['channel', 'open', provider.address, '50', '--json']);
    assert.equal(opened.code, 0, opened.stderr);
    id = JSON.parse(opened.stdout).id;
    assert.match(id, /^0x[0-9a-f]{64}$/);
    assert.match(opened.stderr, /open channel: confirmed/);

    const [mine, theirs, payerOnly] = await Promise.all([
      as(client, ['channel', 'list', '--json']),
      bench.run(['channel', 'list', '--address', provider.address, '--json']),
      bench.run(['channel', 'list', '--address', provider.address, '--as', 'payer', '--json']),
    ]);
    assert.deepEqual(JSON.parse(mine.stdout), [
      {
        id,
        role: 'payer',
        payer: client.address,
        payee: provider.address,
        deposit: '50',
        redeemed: '0',
        status: 'open',
        closesAt: null,
      },
    ]);
    assert.equal(JSON.parse(theirs.stdout)[0].role, 'payee');
    assert.deepEqual(JSON.parse(payerOnly.stdout), []);
  });

  test('top up adds to the deposit; unknown channels and bad ids are refused', async () => {
    const topped = await as(client, ['channel', 'topup', id, '25', '--json']);
    assert.equal(topped.code, 0, topped.stderr);
    assert.equal(JSON.parse(topped.stdout).deposit, '75');
    const [unknown, badId, poor] = await Promise.all([
      as(client, ['channel', 'topup', `0x${'ab'.repeat(32)}`, '1']),
      as(client, ['channel', 'topup', '0x1234', '1']),
      as(client, ['channel', 'topup', id, '100000000']),
    ]);
    assertFailure(unknown, /no open channel 0x(ab){32}: .*bandex channel list --all/);
    assertFailure(badId, /"0x1234" is not an id: expected 0x followed by 64 hex digits/);
    assertFailure(poor, /insufficient RBT/);
  });

  test('close by the payer starts the challenge period; settle refunds after it', async () => {
    assertFailure(await as(provider, ['channel', 'close', id]), /only the payer 0x[0-9a-fA-F]{40} can close channel/);
    assertFailure(await as(client, ['channel', 'settle', id]), /is not closing: start with `bandex channel close ID`/);

    const closing = await as(client, ['channel', 'close', id, '--json']);
    assert.equal(closing.code, 0, closing.stderr);
    assert.match(JSON.parse(closing.stdout).closesAt, /^\d{4}-\d\d-\d\dT[\d:]+Z$/);
    const [again, early, listed] = await Promise.all([
      as(client, ['channel', 'close', id]),
      as(client, ['channel', 'settle', id]),
      as(client, ['channel', 'list', '--json']),
    ]);
    assertFailure(again, /is already closing \(challenge period until .*\)/);
    assertFailure(early, /the challenge period of channel 0x[0-9a-f]{64} runs until/);
    assert.equal(JSON.parse(listed.stdout)[0].status, 'closing');

    await bench.advance(3_600 + 1);
    const settled = await as(client, ['channel', 'settle', id, '--json']);
    assert.equal(settled.code, 0, settled.stderr);
    assert.deepEqual(
      { ...JSON.parse(settled.stdout), tx: undefined },
      { id, redeemed: '0', refund: '75', tx: undefined },
    );

    const [open, all] = await Promise.all([
      as(client, ['channel', 'list']),
      as(client, ['channel', 'list', '--all', '--json']),
    ]);
    assert.match(open.stdout, /No open channels for/);
    assert.equal(JSON.parse(all.stdout)[0].status, 'closed');
  });

  test('a hop key’s channel (funded by the wallet) is closed by the wallet with the client’s state dir', async () => {
    // What `bandex connect` does for each hop: a fresh hop key, its salt in <state-dir>/client.db, the
    // channel opened by the wallet for that key (refunds to the wallet).
    const stateDir = join(bench.dir, 'client-state');
    mkdirSync(stateDir, { recursive: true });
    const store = new ChannelStore(openDatabase({ file: join(stateDir, 'client.db') }));
    const wallet = devAccount(1);
    const hopKey = await newHopKey(wallet, store);
    store.close();
    const walletClient = createChainClient(bench.rpc, wallet);
    const { channelId } = await createWalletFunder({
      client: walletClient,
      deployment: bench.chain.deployment,
      logger: silentLogger,
    }).fund({ payer: hopKey.address, payee: provider.address, deposit: 5n * 10n ** 18n, premiumBps: 0 });
    assertFailure(
      await as(client, ['channel', 'close', channelId, '--state-dir', join(bench.dir, 'elsewhere')]),
      /only the payer 0x[0-9a-fA-F]{40} can close channel/,
    );
    assertFailure(await as(stranger, ['channel', 'close', channelId, '--state-dir', stateDir]), /only the payer/);
    const closing = await as(client, ['channel', 'close', channelId, '--state-dir', stateDir, '--json']);
    assert.equal(closing.code, 0, closing.stderr);
    const channel = await getChannel(walletClient, { deployment: bench.chain.deployment, channelId });
    assert.notEqual(channel.closesAt, 0n, 'the challenge period runs');
    assert.equal(channel.payer, hopKey.address);
  });

  test('a close the provider co-signed but did not submit: `channel close` submits it, refund at once', async () => {
    // What `bandex connect` keeps when a provider co-signed its channel's close inside the session and the
    // close is not on chain yet.
    const stateDir = join(bench.dir, 'client-state-cosigned');
    mkdirSync(stateDir, { recursive: true });
    const file = join(stateDir, 'client.db');
    let store = new ChannelStore(openDatabase({ file }));
    const wallet = devAccount(1);
    const hopKey = await newHopKey(wallet, store);
    store.close();
    const walletClient = createChainClient(bench.rpc, wallet);
    const deployment = bench.chain.deployment;
    const deposit = 5n * 10n ** 18n;
    const { channelId } = await createWalletFunder({ client: walletClient, deployment, logger: silentLogger }).fund({
      payer: hopKey.address,
      payee: provider.address,
      deposit,
      premiumBps: 0,
    });
    const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
    const amount = 10n ** 18n;
    store = new ChannelStore(openDatabase({ file }));
    store.setMeta(
      payerCloseKey(channelId),
      encodeCoSignedClose({
        channelId,
        amount,
        payerSignature: await signCloseChannel(hopKey, domain, channelId, amount),
        payeeSignature: await signCloseChannel(devAccount(2), domain, channelId, amount),
      }),
    );
    store.close();
    const rbt = () => balanceOf(walletClient, { token: deployment.contracts.token, account: wallet.address });
    const before = await rbt();
    const closed = await as(client, ['channel', 'close', channelId, '--state-dir', stateDir, '--json']);
    assert.equal(closed.code, 0, closed.stderr);
    assert.equal(JSON.parse(closed.stdout).how, 'cooperative');
    assert.ok(isChannelGone(await getChannel(walletClient, { deployment, channelId })), 'closed in one transaction');
    assert.equal((await rbt()) - before, deposit - amount, 'the rest refunded to the wallet at once');
    store = new ChannelStore(openDatabase({ file }));
    assert.equal(store.getMeta(payerCloseKey(channelId)), undefined, 'and the co-signed close forgotten');
    store.close();
  });
});
