/**
 * The auditor's probe payers on anvil: a canary key is funded once and its channel opened, and an
 * auditor restarted on the same state directory re-derives the same key, finds its channel and funds
 * nothing again; the next epoch pays from another key, and no key is the auditor's address.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { type Address, parseUnits } from 'viem';
import { ProbePayers } from '../../src/audit/ProbePayers.ts';
import { probeSeed, probeSeedMessage } from '../../src/audit/probeKeys.ts';
import { getChannel } from '../../src/chain/actions/getChannel.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { fundLikeACustomer } from '../../src/devnet/fundLikeACustomer.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { type BandexNode, createBandexNode } from '../../src/net/createBandexNode.ts';
import type { SignedOffer } from '../../src/net/offer.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { ReceiptStore } from '../../src/store/ReceiptStore.ts';

const DEPOSIT = parseUnits('1000', 18);

describe('probe payers', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-probe-payers-'));
  let chain: EmbeddedChain;
  let node: BandexNode;
  before(async () => {
    chain = await startEmbeddedChain({ port: 0, deploymentsDir: join(dir, 'deployments') });
    node = await createBandexNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [],
      allowPrivateAddresses: true,
    });
  });
  after(async () => {
    await node?.stop();
    await chain?.stop();
  });

  it('fund once, recover after a restart, a new key each epoch, never the auditor', async () => {
    const { deployment } = chain;
    const auditor = devAccount(5);
    const client = createChainClient(chain.anvil.rpcUrl, auditor);
    const seed = probeSeed(await auditor.signMessage({ message: probeSeedMessage(deployment.chainId) }));
    const provider = devAccount(2).address;
    const offer = {
      offer: { provider, peerId: node.peerId.toString(), priceWeiPerGiB: parseUnits('100', 18) },
    } as SignedOffer;
    const funded: Address[] = [];
    const start = () => {
      const db = openDatabase({ file: join(dir, 'auditor.db') });
      const index = new ChannelStore(db);
      const payers = new ProbePayers({
        client,
        deployment,
        stateDir: dir,
        seed,
        index,
        receipts: new ReceiptStore(db),
        fund: async (probe, { depositWei }) => {
          funded.push(probe.account.address);
          assert.equal(depositWei, DEPOSIT);
          await fundLikeACustomer(probe, { deployment, reserveIn: 5_000n * 10n ** 6n });
        },
        depositWei: DEPOSIT,
        creditBytes: 4 * 1024 * 1024,
        logger: silentLogger,
      });
      return { payers, index };
    };

    const first = start();
    const builder = await first.payers.ready(100, offer, 'canary');
    const { channelId } = await builder.channelFor(offer);
    assert.notEqual(builder.wallet, auditor.address);
    assert.deepEqual(funded, [builder.wallet], 'the new key was funded once');
    const channel = await getChannel(client, { deployment, channelId });
    assert.equal(channel.deposit, DEPOSIT);
    first.payers.stop();
    first.index.close();

    // A restart: same key, same channel, no second funding.
    const second = start();
    const again = await second.payers.ready(100, offer, 'canary');
    assert.equal(again.wallet, builder.wallet);
    assert.equal((await again.channelFor(offer)).channelId, channelId);
    assert.equal(funded.length, 1, 'not funded twice');
    // The next epoch, and the capacity push, pay from keys of their own.
    const next = await second.payers.ready(101, offer, 'canary');
    const capacity = await second.payers.ready(101, offer, 'capacity');
    assert.equal(new Set([builder.wallet, next.wallet, capacity.wallet, auditor.address]).size, 4);
    assert.equal(funded.length, 3);
    second.payers.stop();
    second.index.close();
  });
});
