/**
 * The shielded pool on the embedded chain, end to end: four wallets deposit 10 RBT each (the client is one of
 * them: an anonymity set of 4 deposits of that denomination); the client then funds three channels — one per
 * provider of a 3-hop path, each for its own one-time payer key — from its note and the change notes, every
 * spend proven by src/zk and submitted by a relayer (a provider), not by the client's wallet. An observer with
 * the chain's whole history sees deposits from four wallets and channels funded by the pool: no address or
 * value of the client's deposit transaction appears in the funding transactions. A channel closed at 1 RBT
 * returns its unspent rest as a new note the client syncs and spends.
 *
 * Then a download paid from the pool: a real provider process (`adversary.ts` bench), a channel the pool funded
 * for a one-time key that never holds gas or RBT, the client's real path builder paying through it. (One hop:
 * main's path builder pays every hop with one key; per-hop keys and the proof carried to the provider come with
 * onion session setup.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Address, TransactionReceipt } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { getTransaction } from 'viem/actions';
import { signCloseChannel } from '../../src/accounting/closeChannel.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { cooperativeCloseSigned } from '../../src/chain/actions/cooperativeCloseSigned.ts';
import { depositToPool } from '../../src/chain/actions/depositToPool.ts';
import { getChannel } from '../../src/chain/actions/getChannel.ts';
import { readPoolCommitments } from '../../src/chain/actions/readPoolCommitments.ts';
import { type ChainClient, createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { SignedOffer } from '../../src/net/offer.ts';
import { createPoolFunder } from '../../src/pool/createPoolFunder.ts';
import { createNote, noteKey } from '../../src/pool/note.ts';
import { PoolWallet } from '../../src/pool/PoolWallet.ts';
import { createPathBuilder } from '../../src/session/buildPath.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { type AdversaryBench, CREDIT, DEPOSIT, PRICE, startAdversaryBench } from '../support/adversary.ts';

const RBT = 10n ** 18n;
const DENOMINATION = 10n * RBT;

/** Every address a receipt names: sender, recipient, emitting contracts, and 20-byte words in topics and data. */
async function addressesOf(client: ChainClient, receipt: TransactionReceipt): Promise<Set<string>> {
  const tx = await getTransaction(client, { hash: receipt.transactionHash });
  const found = new Set<string>([tx.from.toLowerCase(), (tx.to ?? '').toLowerCase()]);
  const words = (hex: string) => hex.slice(2).match(/.{64}/g) ?? [];
  // A 32-byte word holding an address: 12 zero bytes, then 20 bytes not starting with 4 zero bytes (small numbers).
  const isAddress = (word: string) => word.startsWith('0'.repeat(24)) && !word.startsWith('0'.repeat(32));
  for (const log of receipt.logs) {
    found.add(log.address.toLowerCase());
    for (const word of [...log.topics.flatMap((t) => words(t)), ...words(log.data)]) {
      if (isAddress(word)) found.add(`0x${word.slice(24)}`);
    }
  }
  for (const word of words(`0x${tx.input.slice(10)}`)) {
    if (isAddress(word)) found.add(`0x${word.slice(24)}`);
  }
  return found;
}

describe('the shielded pool on chain', () => {
  let chain: EmbeddedChain;
  before(async () => {
    chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-pool-')) });
  });
  after(async () => {
    await chain?.stop();
  });

  test('a client deposits, funds a 3-hop path from the pool through a relayer, and gets its refund back as a note', async () => {
    const { deployment } = chain;
    const rpc = chain.anvil.rpcUrl;
    const clientAccount = devAccount(1);
    const client = createChainClient(rpc, clientAccount);
    const relayer = createChainClient(rpc, devAccount(2)); // the entry provider submits the spends
    const providers: Address[] = [devAccount(2).address, devAccount(8).address, devAccount(9).address];

    // The anonymity set: the client and three other wallets deposit the same denomination.
    const depositReceipts: TransactionReceipt[] = [];
    const wallet = await PoolWallet.open(
      join(mkdtempSync(join(tmpdir(), 'bandex-notes-')), 'notes.json'),
      clientAccount,
    );
    for (const index of [4, 1, 6, 7]) {
      const account = devAccount(index);
      const depositor = createChainClient(rpc, account);
      await buyRbt(depositor, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
      const note = createNote(DENOMINATION);
      const { leafIndex, receipt } = await depositToPool(depositor, {
        deployment,
        noteKey: noteKey(note),
        denomination: DENOMINATION,
      });
      if (index === 1) {
        wallet.add({ ...note, status: 'unspent', leafIndex });
        depositReceipts.push(receipt);
      }
    }
    const anonymitySet = 4;
    assert.equal(wallet.balance(), DENOMINATION);

    // Three hops, three one-time payer keys, 2 RBT each, all paid from the pool.
    const funder = createPoolFunder({ reader: client, relayer, deployment, wallet });
    const hopKeys = providers.map(() => privateKeyToAccount(generatePrivateKey()));
    const fundings: { channelId: `0x${string}`; receipt: TransactionReceipt }[] = [];
    for (const [i, payee] of providers.entries()) {
      const hopKey = hopKeys[i] as (typeof hopKeys)[number];
      const { channelId, proveMs } = await funder.fund({
        payer: hopKey.address,
        payee,
        deposit: 2n * RBT,
        premiumBps: 0,
      });
      assert.ok(proveMs > 0);
      const channel = await getChannel(client, { deployment, channelId });
      assert.equal(channel.payer, hopKey.address);
      assert.equal(channel.payee, payee);
      assert.equal(channel.deposit, 2n * RBT);
      assert.equal(channel.refundTo, deployment.contracts.pool);
      const [log] = await client.getContractEvents({
        address: deployment.contracts.pool,
        abi: (await import('../../src/chain/abi/shieldedPool.ts')).shieldedPoolAbi,
        eventName: 'ChannelFunded',
        args: { channelId },
        fromBlock: BigInt(deployment.deploymentBlock),
      });
      assert.ok(log, 'the pool funded the channel');
      fundings.push({ channelId, receipt: await client.getTransactionReceipt({ hash: log.transactionHash }) });
    }
    // The note paid 6 RBT; its change notes hold the rest.
    assert.equal(wallet.balance(), DENOMINATION - 6n * RBT);

    // The observer's view: nothing in a funding transaction names the client's deposit.
    const deposited = await addressesOf(client, depositReceipts[0] as TransactionReceipt);
    assert.ok(deposited.has(clientAccount.address.toLowerCase()));
    for (const { receipt } of fundings) {
      const funded = await addressesOf(client, receipt);
      assert.ok(!funded.has(clientAccount.address.toLowerCase()), 'the client wallet is absent from the funding');
      const shared = [...deposited].filter(
        (a) =>
          funded.has(a) && ![deployment.contracts.pool, deployment.contracts.token].some((c) => c.toLowerCase() === a),
      );
      assert.deepEqual(shared, [], `the deposit and a funding share ${shared.join(', ')}`);
      const tx = await getTransaction(client, { hash: receipt.transactionHash });
      assert.equal(tx.from.toLowerCase(), relayer.account.address.toLowerCase());
    }
    // Which deposit paid is hidden among the `anonymitySet` deposits of 10 RBT.
    const { commitments } = await readPoolCommitments(client, { deployment });
    assert.ok(commitments.length >= anonymitySet + 3);

    // The first hop is closed at 1 RBT (both signatures, submitted by the provider): 1 RBT comes back as a note.
    const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
    const first = fundings[0] as (typeof fundings)[number];
    const firstKey = hopKeys[0] as (typeof hopKeys)[number];
    await cooperativeCloseSigned(relayer, {
      deployment,
      channelId: first.channelId,
      amount: RBT,
      payerSignature: await signCloseChannel(firstKey, domain, first.channelId, RBT),
      payeeSignature: await signCloseChannel(devAccount(2), domain, first.channelId, RBT),
    });
    // The next pool transaction appends it: here, the next fundings, paid from the change — two at once, which
    // the funder serialises (both would pick the same note otherwise).
    const fresh = () => privateKeyToAccount(generatePrivateKey()).address;
    await Promise.all([
      funder.fund({ payer: fresh(), payee: providers[1] as Address, deposit: RBT, premiumBps: 0 }),
      funder.fund({ payer: fresh(), payee: providers[2] as Address, deposit: RBT, premiumBps: 0 }),
    ]);
    const refreshed = await readPoolCommitments(client, { deployment });
    wallet.sync(refreshed.commitments, refreshed.refunds);
    const refundNote = wallet.notes.find((n) => n.refundOf === first.channelId);
    assert.ok(refundNote, 'the refund is a note of the client');
    assert.equal(refundNote.value, RBT);
    assert.ok(refundNote.leafIndex !== undefined, 'and it is in the tree');
    // The smallest note covering 1 RBT: the second of the concurrent fundings spent it, like any other note.
    assert.equal(refundNote.status, 'spent');
    assert.equal(wallet.balance(), DENOMINATION - 8n * RBT + RBT);
  });
});

describe('a download paid from the shielded pool', { timeout: 180_000 }, () => {
  let bench: AdversaryBench;
  before(async () => {
    bench = await startAdversaryBench('pool');
  });
  after(async () => {
    await bench?.stop();
  });

  test('a one-time key with neither gas nor RBT pays a real provider through a channel the pool funded', async () => {
    const { deployment } = bench.chain;
    const rpc = bench.chain.anvil.rpcUrl;
    const clientAccount = await bench.account(7);
    const client = createChainClient(rpc, clientAccount);
    const wallet = await PoolWallet.open(
      join(mkdtempSync(join(tmpdir(), 'bandex-notes-')), 'notes.json'),
      clientAccount,
    );
    const note = createNote(DEPOSIT); // 100 RBT, a denomination
    const { leafIndex } = await depositToPool(client, {
      deployment,
      noteKey: noteKey(note),
      denomination: DEPOSIT,
    });
    wallet.add({ ...note, status: 'unspent', leafIndex });

    // The provider relays the spend; the hop key signs vouchers only.
    const hopKey = privateKeyToAccount(generatePrivateKey());
    const relayer = createChainClient(rpc, devAccount(3));
    const funder = createPoolFunder({ reader: client, relayer, deployment, wallet });
    const { channelId } = await funder.fund({
      payer: hopKey.address,
      payee: bench.provider.address,
      deposit: DEPOSIT,
      premiumBps: 0,
    });

    const db = openDatabase({ file: join(mkdtempSync(join(tmpdir(), 'bandex-pool-client-')), 'client.db') });
    const store = new ChannelStore(db);
    store.saveChannel({
      channelId,
      role: 'payer',
      chainId: deployment.chainId,
      contract: deployment.contracts.channels,
      payer: hopKey.address,
      payee: bench.provider.address,
      deposit: DEPOSIT,
    });
    store.setMeta(`payer.channel.${bench.provider.address.toLowerCase()}`, channelId);
    const builder = createPathBuilder({
      client: createChainClient(rpc, hopKey),
      deployment,
      account: hopKey,
      node: bench.node,
      store,
      depositWei: DEPOSIT,
      creditBytes: CREDIT,
      logger: silentLogger,
    });
    const offer = {
      offer: { provider: bench.provider.address, peerId: bench.provider.peerId, priceWeiPerGiB: PRICE },
    } as SignedOffer;
    const path = await builder.build([offer]);
    assert.equal(path.hops[0]?.channelId, channelId, 'the pool-funded channel pays the hop');
    const stream = await path.session.openStream({ host: '127.0.0.1', port: bench.origins.download });
    let got = 0;
    for await (const chunk of stream) {
      got += (chunk as Buffer).length;
      if (got >= 2 * 1024 * 1024) break;
    }
    stream.destroy();
    await builder.close(path);
    assert.ok(got >= 2 * 1024 * 1024);
    assert.ok(bench.claim(channelId).value > 0n, 'the provider holds a paying voucher of the hop key');
    assert.equal(await client.getBalance({ address: hopKey.address }), 0n, 'the hop key never held gas');
    const channel = await getChannel(client, { deployment, channelId });
    assert.equal(channel.refundTo, deployment.contracts.pool);
    store.close();
  });
});
