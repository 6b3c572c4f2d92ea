/**
 * Can a provider tell the auditors' probes from customers? On a real chain (anvil, the contracts) and a
 * real provider, sessions are recorded as the provider sees them — its `onSession` tap gives the payer
 * and the channel, the session's own meter its bytes and its close its duration — and each is described
 * by what the provider can read of it (`readSessionFeatures`: payer registered as auditor, genesis ETH,
 * who sent its first tUSD and RBT, channel deposit and age, start offset in the epoch; plus duration and
 * bytes up/down). Three kinds of sessions run at once against the one provider:
 *
 * - probes: the auditor's real `Prober` and `ProbePayers` (fresh keys, funded as customers are) for
 *   `SEEDS` auditors' seeds, three epochs;
 * - customers: fresh keys funded by the devnet's customer funding, each visiting with `runCustomerSession`
 *   (the client's path builder, the shared session shape), with exponential gaps;
 * - old probes: the same `Prober` paying from registered auditors' own wallets (each hop key's channel
 *   funded by the registered auditor), as it did before probe keys.
 *
 * The best single-feature threshold rule and a 5-NN, trained on half of probes ∪ customers, must stay
 * within 3σ of chance on the other half; the same rule trained on old probes ∪ customers must be perfect,
 * so this test fails if probes become recognisable again.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { type Address, type Hex, type LocalAccount, parseUnits } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { ProbePayers } from '../../src/audit/ProbePayers.ts';
import { type ProbeBuilders, Prober } from '../../src/audit/Prober.ts';
import { probeSeed, probeSeedMessage } from '../../src/audit/probeKeys.ts';
import { Scheduler } from '../../src/audit/Scheduler.ts';
import { drawSessionShape, maxProbeSessionMs } from '../../src/audit/sessionShape.ts';
import { startAuditTarget } from '../../src/audit/startAuditTarget.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { registerAuditor } from '../../src/chain/actions/registerAuditor.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { type ChainClient, createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { startDemoOrigin } from '../../src/devnet/demoTraffic.ts';
import { fundLikeACustomer } from '../../src/devnet/fundLikeACustomer.ts';
import { runCustomerSession } from '../../src/devnet/runCustomerSession.ts';
import { readSessionFeatures, type SessionFeatures } from '../../src/devnet/sessionFeatures.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { BandexNode } from '../../src/net/createBandexNode.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import type { SignedOffer } from '../../src/net/offer.ts';
import { loadOrCreateTunnelKey } from '../../src/provider/loadOrCreateTunnelKey.ts';
import { type Provider, startProvider } from '../../src/provider/startProvider.ts';
import { createPathBuilder, type PathBuilder } from '../../src/session/buildPath.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { ReceiptStore } from '../../src/store/ReceiptStore.ts';
import { localAccount } from '../../src/wallet/localAccount.ts';
import {
  accuracy,
  bestThresholdRule,
  chanceBound,
  knnAccuracy,
  type Sample,
  splitHalves,
} from '../support/sessionClassifier.ts';

/** The shortest epoch the auditor allows: three of them keep the test near a minute. */
const EPOCH_MS = 10_000;
const EPOCHS = 3;
/** Auditors' seeds probing at once (each one canary session per epoch). */
const SEEDS = 12;
const CUSTOMERS = 12;
/** Registered auditors paying their probes themselves, as before. */
const OLD_AUDITORS = [5, 8, 9, 10];
const PROVIDER_INDEX = 2;
const PRICE = parseUnits('100', 18);
/** The devnet's customer deposit and reserve (`startDevnet.ts`): probes use the same. */
const DEPOSIT = parseUnits('1000', 18);
const RESERVE = 5_000n * 10n ** 6n;
const CREDIT = 4 * 1024 * 1024;
const FEATURES = [
  'payer is an auditor',
  'genesis ETH',
  'funded by an auditor',
  'first tUSD minted',
  'first RBT minted',
  'deposit',
  'channel age',
  'start offset in epoch',
  'duration',
  'bytes up',
  'bytes down',
];

type Observed = { payer: Address; channelId: Hex; startedAt: number; durationMs: number; up: number; down: number };

function vector(f: SessionFeatures, o: Observed): number[] {
  return [
    Number(f.payerIsAuditor),
    Number(f.genesisEth),
    Number(f.fundedByAuditor),
    Number(f.firstReserveFrom === '0x0000000000000000000000000000000000000000'),
    Number(f.firstRbtFrom === '0x0000000000000000000000000000000000000000'),
    Number(f.depositWei / 10n ** 18n),
    f.channelAgeS,
    f.startOffsetMs,
    o.durationMs,
    o.up,
    o.down,
  ];
}

describe('a provider cannot tell probes from customers', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-classifier-'));
  let chain: EmbeddedChain;
  let provider: Provider;
  const nodes: BandexNode[] = [];
  const stores: ChannelStore[] = [];
  const observed: Observed[] = [];
  const stops: (() => Promise<void> | void)[] = [];

  before(async () => {
    chain = await startEmbeddedChain({ port: 0, accounts: 16, deploymentsDir: join(dir, 'deployments') });
    const { deployment } = chain;
    const providerClient = createChainClient(chain.anvil.rpcUrl, devAccount(PROVIDER_INDEX));
    const stateDir = join(dir, 'provider');
    mkdirSync(stateDir, { recursive: true });
    const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'));
    await buyRbt(providerClient, { deployment, reserveIn: 2_000n * 10n ** 6n, useFaucet: true });
    await registerProvider(providerClient, {
      deployment,
      peerId: peerIdFromPrivateKey(privateKey).toString(),
      priceWeiPerGiB: PRICE,
      region: 'DE',
      capacityBytesPerSecond: 100_000_000,
      stakeWei: parseUnits('1000', 18),
    });
    provider = await startProvider({
      client: providerClient,
      deployment,
      stateDir,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [],
      exitPolicy: { devnet: true },
      redeemPolicy: { minRedeemWei: 2n ** 255n, maxIntervalMs: 10_000, minGasMultiple: 0n },
      confirmations: 0,
      allowPrivateAddresses: true,
      logger: silentLogger,
      // What the provider sees of every session: payer, channel, when it started, how long, how many bytes.
      onSession: (session, pending) => {
        const startedAt = Date.now();
        session.once('close', () =>
          observed.push({
            payer: pending.payer,
            channelId: pending.channelId,
            startedAt,
            durationMs: Date.now() - startedAt,
            up: session.meter.received,
            down: session.meter.sent,
          }),
        );
      },
    });
    stops.push(() => provider.stop());
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    for (const node of nodes) await node.stop();
    for (const store of stores) store.close();
    await chain?.stop();
  });

  /** An auditor's state database: the probe key index and the probe receipts' archive. */
  const auditorStores = (name: string) => {
    const db = openDatabase({ file: join(dir, `${name}.db`) });
    const index = new ChannelStore(db);
    stores.push(index);
    return { index, receipts: new ReceiptStore(db) };
  };
  const newStore = (name: string) => {
    const store = new ChannelStore(openDatabase({ file: join(dir, `${name}.db`) }));
    stores.push(store);
    return store;
  };

  it('probes: chance; old probes (the auditor pays): recognised', async (t) => {
    const { deployment } = chain;
    const rpc = chain.anvil.rpcUrl;
    const offer = {
      offer: {
        provider: provider.address,
        peerId: provider.peerId,
        priceWeiPerGiB: PRICE,
        capacityBytesPerSecond: 0,
        protocols: [],
        transports: [],
        endpoints: [`${provider.tunnel.address.host}:${provider.tunnel.address.port}`],
        tunnelPublicKey: loadOrCreateTunnelKey(join(dir, 'provider', 'tunnel.key')).publicKey.toString('base64'),
      },
    } as unknown as SignedOffer;
    const target = await startAuditTarget({ host: '127.0.0.1', port: 0 });
    stops.push(() => target.close());
    const origin = await startDemoOrigin();
    stops.push(() => new Promise<void>((resolve) => origin.server.close(() => resolve())));
    const scheduler = new Scheduler({ logger: silentLogger });
    stops.push(() => scheduler.stop());
    const capacity = { streams: 1, warmupMs: 100, windowMs: 100 };

    // Probers: the new ones pay from fresh probe keys; the old ones from the registered auditors' accounts.
    const probers: { prober: Prober; old: boolean }[] = [];
    for (let i = 0; i < SEEDS; i++) {
      const auditor = localAccount(generatePrivateKey());
      const seed = probeSeed(await auditor.signMessage({ message: probeSeedMessage(deployment.chainId) }));
      const payers = new ProbePayers({
        client: createChainClient(rpc, auditor),
        deployment,
        stateDir: join(dir, `seed-${i}`),
        seed,
        ...auditorStores(`index-${i}`),
        fund: (probe) => fundLikeACustomer(probe, { deployment, reserveIn: RESERVE }),
        depositWei: DEPOSIT,
        creditBytes: CREDIT,
        logger: silentLogger,
      });
      stops.push(() => payers.stop());
      probers.push({
        prober: new Prober({
          payers,
          scheduler,
          target: target.address,
          epochMs: EPOCH_MS,
          probes: 8,
          capacity,
          logger: silentLogger,
        }),
        old: false,
      });
    }
    // Which kind a channel is, by the store of the builder that opened it (payers are hop keys now).
    const oldStores: ReturnType<typeof newStore>[] = [];
    const customerStores: ReturnType<typeof newStore>[] = [];
    for (const index of OLD_AUDITORS) {
      const account = devAccount(index);
      const client = createChainClient(rpc, account);
      await buyRbt(client, { deployment, reserveIn: RESERVE, useFaucet: true });
      await registerAuditor(client, { deployment });
      const builder = createPathBuilder({
        client,
        deployment,
        account,
        store: oldStores[oldStores.push(newStore(`old-${index}`)) - 1] as ReturnType<typeof newStore>,
        depositWei: DEPOSIT,
        creditBytes: CREDIT,
        logger: silentLogger,
      });
      // The old payer: the auditor's own account and channel.
      const payers = {
        ready: async (_e: number, o: SignedOffer) => {
          await builder.channelFor(o);
          return builder;
        },
      } as unknown as ProbePayers;
      probers.push({
        prober: new Prober({
          payers,
          scheduler,
          target: target.address,
          epochMs: EPOCH_MS,
          probes: 8,
          capacity,
          logger: silentLogger,
        }),
        old: true,
      });
    }

    // Customers: fresh keys funded as the devnet funds its customers, visiting at random.
    const customers: { account: LocalAccount; builder: PathBuilder }[] = [];
    for (let i = 0; i < CUSTOMERS; i++) {
      const account = localAccount(generatePrivateKey());
      const client: ChainClient = createChainClient(rpc, account);
      await fundLikeACustomer(client, { deployment, reserveIn: RESERVE });
      customers.push({
        account,
        builder: createPathBuilder({
          client,
          deployment,
          account,
          store: customerStores[customerStores.push(newStore(`customer-${i}`)) - 1] as ReturnType<typeof newStore>,
          depositWei: DEPOSIT,
          creditBytes: CREDIT,
          logger: silentLogger,
        }),
      });
    }

    // Epochs first..first+EPOCHS−1, each started one epoch ahead, as the AuditLoop does.
    const first = Math.floor(Date.now() / EPOCH_MS) + 2;
    const runEpoch = async (epoch: number) => {
      await sleep(Math.max(0, (epoch - 1) * EPOCH_MS - Date.now()));
      const ready: { prober: Prober; builders: ProbeBuilders }[] = [];
      for (const { prober } of probers) ready.push({ prober, builders: await prober.prepare(epoch, offer, undefined) });
      await Promise.all(
        ready.map(({ prober, builders }) => prober.measure(epoch, epoch * EPOCH_MS, offer, undefined, builders)),
      );
    };
    const probing = (async () => {
      const epochs: Promise<void>[] = [];
      for (let e = first; e < first + EPOCHS; e++) epochs.push(runEpoch(e));
      await Promise.all(epochs);
    })();
    // Customers visit from the first epoch's start to the last one's end, with exponential gaps.
    const from = first * EPOCH_MS - EPOCH_MS / 2;
    const until = (first + EPOCHS) * EPOCH_MS - maxProbeSessionMs(EPOCH_MS);
    const visiting = Promise.all(
      customers.map(async ({ builder }) => {
        await sleep(Math.max(0, from + Math.random() * EPOCH_MS - Date.now()));
        while (Date.now() < until) {
          await runCustomerSession(
            builder,
            offer,
            { host: '127.0.0.1', port: origin.port },
            drawSessionShape(maxProbeSessionMs(EPOCH_MS)),
          );
          await sleep(-Math.log(1 - Math.random()) * (EPOCH_MS / 2));
        }
      }),
    );
    await Promise.all([probing, visiting]);
    await sleep(500); // the provider's last close events

    const providerClient = createChainClient(rpc, devAccount(PROVIDER_INDEX));
    const samples: (Sample & { kind: 'probe' | 'customer' | 'old' })[] = [];
    for (const o of observed) {
      const opened = (stores: ReturnType<typeof newStore>[]) => stores.some((st) => st.getChannel(o.channelId));
      const kind = opened(oldStores) ? 'old' : opened(customerStores) ? 'customer' : 'probe';
      const f = await readSessionFeatures(providerClient, {
        deployment,
        payer: o.payer,
        channelId: o.channelId,
        startedAt: o.startedAt,
        epochMs: EPOCH_MS,
      });
      samples.push({ features: vector(f, o), label: kind === 'customer' ? 0 : 1, kind });
    }
    const count = (kind: string) => samples.filter((s) => s.kind === kind).length;
    t.diagnostic(
      `sessions seen by the provider: ${count('probe')} probes, ${count('customer')} customers, ${count('old')} old probes`,
    );
    assert.ok(count('probe') >= SEEDS * EPOCHS - 2, 'the probe sessions ran');
    assert.ok(count('customer') >= CUSTOMERS * 2, 'the customer sessions ran');

    // Balanced classes: as many of each.
    const balanced = (ones: Sample[], zeros: Sample[]) => {
      const n = Math.min(ones.length, zeros.length);
      return [...ones.slice(0, n), ...zeros.slice(0, n)];
    };
    const customerSamples = samples.filter((s) => s.kind === 'customer');
    const newSet = balanced(
      samples.filter((s) => s.kind === 'probe'),
      customerSamples,
    );
    const { train, test } = splitHalves(newSet);
    const rule = bestThresholdRule(train);
    const ruleAcc = accuracy(rule, test);
    const knnAcc = knnAccuracy(train, test, 5);
    const bound = chanceBound(test.length);
    t.diagnostic(
      `new probes vs customers (N = ${newSet.length / 2} each, test ${test.length}): best rule "${FEATURES[rule.feature]} ${rule.above ? '>' : '≤'} ${rule.threshold.toFixed(1)}" → accuracy ${ruleAcc.toFixed(3)}; 5-NN ${knnAcc.toFixed(3)}; chance bound ${bound.toFixed(3)}`,
    );
    for (const [i, name] of FEATURES.entries()) {
      const single = bestThresholdRule(train.map((s) => ({ features: [s.features[i] as number], label: s.label })));
      const acc = accuracy(
        single,
        test.map((s) => ({ features: [s.features[i] as number], label: s.label })),
      );
      t.diagnostic(`  ${name}: ${acc.toFixed(3)}`);
    }
    assert.ok(ruleAcc <= bound, `threshold rule ${ruleAcc} within chance (≤ ${bound})`);
    assert.ok(knnAcc <= bound, `5-NN ${knnAcc} within chance (≤ ${bound})`);

    const oldSet = balanced(
      samples.filter((s) => s.kind === 'old'),
      customerSamples,
    );
    const halves = splitHalves(oldSet);
    const oldRule = bestThresholdRule(halves.train);
    const oldAcc = accuracy(oldRule, halves.test);
    t.diagnostic(
      `old probes vs customers (N = ${oldSet.length / 2} each): best rule "${FEATURES[oldRule.feature]}" → accuracy ${oldAcc.toFixed(3)}`,
    );
    assert.equal(oldAcc, 1, 'the auditor paying its own probes is recognised every time');
    assert.ok(oldAcc > chanceBound(halves.test.length));
  });
});
