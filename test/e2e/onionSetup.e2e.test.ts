/**
 * Issue 17, onion session setup, end to end with real daemons: an embedded chain with the contracts,
 * three providers (`startProvider`: libp2p node, tunnel, SQLite stores, watcher) on 127.0.0.3, .4, .5,
 * and a client (`startClient`) whose libp2p node and tunnel socket are on 127.0.0.2. The client builds a
 * paid 3-hop path (entry .3, middle .4, exit .5) and downloads through it. Then, from what each
 * provider keeps — its log (the logger's output, captured to a file), its libp2p peer store and every
 * file of its state directory (its SQLite stores with their WAL, its keys) — the exit holds neither the
 * client's IP, peer id nor wallet address; the middle holds no client IP; the exit's proposal came
 * from the middle's address and the middle's from the entry's. Each hop's channel has a payer of its
 * own (none of them the wallet), and each provider's claim covers the bytes it carried. A second client pays
 * the same three hops entirely from the shielded pool: the chain's full history and every provider's records
 * hold nothing that links its deposit (one of 4 of the same denomination) to the path.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { type Address, type Hex, hexToBytes, parseUnits } from 'viem';
import { tickValueFor } from '../../src/accounting/price.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { shieldedPoolAbi } from '../../src/chain/abi/shieldedPool.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { depositToPool } from '../../src/chain/actions/depositToPool.ts';
import { getChannel } from '../../src/chain/actions/getChannel.ts';
import { readRegistryParameter } from '../../src/chain/actions/readRegistryParameter.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { type ChainClient, createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { type Client, startClient } from '../../src/client/startClient.ts';
import { createLogger, silentLogger } from '../../src/log/logger.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import { createPoolFunder } from '../../src/pool/createPoolFunder.ts';
import { createNote, noteKey } from '../../src/pool/note.ts';
import { PoolWallet } from '../../src/pool/PoolWallet.ts';
import { type Provider, startProvider } from '../../src/provider/startProvider.ts';
import { pollFor } from '../support/devnet.ts';
import { type Origin, socksGet, startOrigin } from '../support/tunnelHarness.ts';

const SIZE = 4 * 1024 * 1024;
const GIB = 2n ** 30n;
const PRICE = parseUnits('100', 18);
const CLIENT_IP = '127.0.0.2';
/** A second client, paying from the shielded pool. */
const POOL_CLIENT_IP = '127.0.0.6';
/** The pool's denomination every depositor of the anonymity set uses. */
const POOL_NOTE = parseUnits('100', 18);
const HOP_IPS = ['127.0.0.3', '127.0.0.4', '127.0.0.5'] as const;
const REDEEM_POLICY = { minRedeemWei: 2n ** 255n, maxIntervalMs: 10_000, minGasMultiple: 0n };

type Hop = { provider: Provider; dir: string; log: string; ip: string };

describe('onion session setup: a paid 3-hop path the exit cannot link to the client', { timeout: 240_000 }, () => {
  let chain: EmbeddedChain;
  let origin: Origin;
  let client: Client;
  let poolClient: Client;
  let notes: PoolWallet;
  let relayer: ChainClient;
  const hops: Hop[] = [];
  const wallet = devAccount(1);
  const poolOwner = devAccount(5);

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-onion-'));
    chain = await startEmbeddedChain({ port: 0, deploymentsDir: join(dir, 'deployments') });
    const { deployment } = chain;
    origin = await startOrigin(SIZE);
    for (const [i, ip] of HOP_IPS.entries()) {
      const stateDir = join(dir, `provider-${i + 1}`);
      mkdirSync(stateDir, { recursive: true });
      const providerClient = createChainClient(chain.anvil.rpcUrl, devAccount(2 + i));
      const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'));
      await buyRbt(providerClient, { deployment, reserveIn: 2_000n * 10n ** 6n, useFaucet: true });
      await registerProvider(providerClient, {
        deployment,
        peerId: peerIdFromPrivateKey(privateKey).toString(),
        priceWeiPerGiB: PRICE,
        region: 'DE',
        capacityBytesPerSecond: 100_000_000,
        stakeWei: await readRegistryParameter(providerClient, { deployment, name: 'minStake' }),
      });
      const log = join(dir, `provider-${i + 1}.log`);
      const provider = await startProvider({
        client: providerClient,
        deployment,
        stateDir,
        listen: [`/ip4/${ip}/tcp/0`],
        bootstrap: hops[0] ? [hops[0].provider.multiaddrs[0] as string] : [],
        tunnelHost: ip,
        outboundHost: ip,
        apiHost: ip,
        exitPolicy: { devnet: true },
        redeemPolicy: REDEEM_POLICY,
        confirmations: 0,
        watcherPollMs: 1_000,
        allowPrivateAddresses: true,
        logger: createLogger({ name: `provider-${i + 1}`, file: log, level: 'debug' }),
      });
      hops.push({ provider, dir: stateDir, log, ip });
    }
    const walletClient = createChainClient(chain.anvil.rpcUrl, wallet);
    await buyRbt(walletClient, { deployment, reserveIn: 3_000n * 10n ** 6n, useFaucet: true });
    client = await startClient({
      client: walletClient,
      deployment,
      stateDir: join(dir, 'client'),
      listen: [`/ip4/${CLIENT_IP}/tcp/0`],
      // The entry is the client's only bootstrap node: the later hops are never dialled.
      bootstrap: [(hops[0] as Hop).provider.multiaddrs[0] as string],
      hops: 3,
      prefer: hops.map((h) => h.provider.address),
      depositWei: parseUnits('50', 18),
      tunnelLocalAddress: CLIENT_IP,
      allowPrivateAddresses: true,
      logger: silentLogger,
    });
    // A second client that pays from the shielded pool (its notes come later, in its test), started now so
    // it hears the providers' offers as they are first published.
    notes = await PoolWallet.open(join(dir, 'pool-notes.json'), poolOwner);
    relayer = createChainClient(chain.anvil.rpcUrl, devAccount(9));
    poolClient = await startClient({
      client: createChainClient(chain.anvil.rpcUrl, poolOwner),
      deployment,
      stateDir: join(dir, 'pool-client'),
      listen: [`/ip4/${POOL_CLIENT_IP}/tcp/0`],
      bootstrap: [(hops[0] as Hop).provider.multiaddrs[0] as string],
      hops: 3,
      prefer: hops.map((h) => h.provider.address),
      depositWei: parseUnits('20', 18),
      tunnelLocalAddress: POOL_CLIENT_IP,
      allowPrivateAddresses: true,
      funder: createPoolFunder({ reader: relayer, relayer, deployment, wallet: notes }),
      logger: silentLogger,
    });
  });

  after(async () => {
    await poolClient?.stop();
    await client?.stop();
    for (const hop of [...hops].reverse()) await hop.provider.stop();
    await origin?.close();
    await chain?.stop();
  });

  it('downloads through entry, middle and exit, each paid through a channel of its own payer', async () => {
    await client.connect();
    const body = await socksGet(client.socks.address.port, '127.0.0.1', origin.port, '/file.bin');
    assert.equal(body.length, SIZE);
    assert.ok(body.equals(origin.body), 'byte-identical');
    const path = client.status().path;
    assert.deepEqual(
      path.map((h) => h.provider),
      hops.map((h) => h.provider.address),
      'entry, middle, exit in order',
    );
    const payers: Address[] = [];
    const reader = createChainClient(chain.anvil.rpcUrl, devAccount(9));
    for (const hop of path) {
      const channel = await getChannel(reader, { deployment: chain.deployment, channelId: hop.channelId });
      payers.push(channel.payer);
      // Refunds go to the wallet: the chain links the wallet to the channel (the pool removes that link).
      assert.equal(channel.refundTo, wallet.address);
    }
    assert.equal(new Set(payers.map((p) => p.toLowerCase())).size, 3, 'a different payer per hop');
    assert.ok(!payers.some((p) => p.toLowerCase() === wallet.address.toLowerCase()), 'no hop is paid by the wallet');
  });

  it('each provider’s claim covers the bytes it carried, within one tick', async () => {
    const tick = tickValueFor(PRICE);
    for (const [i, hop] of client.status().path.entries()) {
      const provider = (hops[i] as Hop).provider;
      // The provider's durable claim catches up with the client's last voucher and ticks.
      const claimed = await pollFor(
        `hop ${i + 1}'s claim`,
        async () => {
          const now = client.status().path[i];
          const value = provider.store.latestClaim(hop.channelId)?.value ?? 0n;
          return now && value === now.paidWei && value > 0n ? { value, now } : undefined;
        },
        20_000,
      );
      const owed = (BigInt(claimed.now.bytesDown + claimed.now.bytesUp) * PRICE) / GIB;
      const diff = claimed.value > owed ? claimed.value - owed : owed - claimed.value;
      assert.ok(claimed.now.bytesDown >= SIZE, `hop ${i + 1} carried the download`);
      assert.ok(diff <= tick, `hop ${i + 1}: claimed ${claimed.value} for ${owed} owed (one tick ${tick})`);
    }
  });

  it('each hop’s proposal came from the previous hop’s address; the entry alone saw the client’s', () => {
    const from = (hop: Hop) =>
      readFileSync(hop.log, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"session accepted"'))
        .map((l) => (JSON.parse(l) as { from: string }).from);
    const [entry, middle, exit] = hops as [Hop, Hop, Hop];
    assert.deepEqual(from(entry), [CLIENT_IP]);
    assert.deepEqual(from(middle), [entry.ip], 'the middle’s proposal came from the entry');
    assert.deepEqual(from(exit), [middle.ip], 'the exit’s proposal came from the middle');
  });

  it('the exit’s log, peer store and state files hold neither the client’s IP, peer id nor wallet', async () => {
    const exit = hops[2] as Hop;
    const clientPeerId = client.node.peerId.toString();
    const walletHex = wallet.address.slice(2).toLowerCase();
    const walletBytes = Buffer.from(hexToBytes(wallet.address));
    const secrets = [CLIENT_IP, clientPeerId, walletHex, wallet.address.slice(2)];
    const log = readFileSync(exit.log, 'utf8');
    assert.ok(log.includes('session accepted'), 'the log was captured');
    for (const s of secrets) assert.equal(log.toLowerCase().includes(s.toLowerCase()), false, `exit log has ${s}`);
    // Every file the exit keeps: its SQLite stores (channels, claims, receipts, and the WAL) and keys.
    const files = readdirSync(exit.dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    assert.ok(files.some((f) => f.name === 'provider.db'));
    for (const f of files) {
      const bytes = readFileSync(join(f.parentPath, f.name));
      const text = bytes.toString('latin1').toLowerCase();
      for (const s of secrets) assert.equal(text.includes(s.toLowerCase()), false, `${f.name} has ${s}`);
      assert.equal(bytes.indexOf(walletBytes), -1, `${f.name} has the wallet's 20 bytes`);
    }
    const peers = await exit.provider.node.peerStore.all();
    assert.ok(peers.length > 0, 'the exit knows peers');
    for (const peer of peers) {
      assert.notEqual(peer.id.toString(), clientPeerId, 'the client is not in the exit’s peer store');
      for (const a of peer.addresses)
        assert.equal(a.multiaddr.toString().includes(`/${CLIENT_IP}/`), false, 'no client address');
    }
    assert.equal(
      exit.provider.node.getConnections().some((c) => c.remotePeer.toString() === clientPeerId),
      false,
      'no connection from the client',
    );
  });

  it('the middle’s log, peer store and state files hold no client IP', async () => {
    const middle = hops[1] as Hop;
    assert.equal(readFileSync(middle.log, 'utf8').includes(CLIENT_IP), false, 'middle log has the client IP');
    for (const f of readdirSync(middle.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()))
      assert.equal(readFileSync(join(f.parentPath, f.name)).toString('latin1').includes(CLIENT_IP), false, f.name);
    for (const peer of await middle.provider.node.peerStore.all())
      for (const a of peer.addresses) assert.equal(a.multiaddr.toString().includes(`/${CLIENT_IP}/`), false);
  });

  it('the client’s libp2p node is connected to no hop but the entry', () => {
    const later = new Set(hops.slice(1).map((h) => h.provider.peerId));
    const connected = client.node.getConnections().map((c) => c.remotePeer.toString());
    assert.ok(connected.includes((hops[0] as Hop).provider.peerId), 'connected to the entry');
    assert.deepEqual(
      connected.filter((p) => later.has(p)),
      [],
    );
  });
  it('a path paid entirely from the shielded pool: no provider record and no transaction links it to the deposit', async () => {
    const { deployment } = chain;
    const rpc = chain.anvil.rpcUrl;
    const owner = poolOwner;
    const ownerClient = createChainClient(rpc, owner);
    // The anonymity set: the client and three other wallets deposit the same denomination (100 RBT).
    const depositHashes: Hex[] = [];
    for (const index of [6, 5, 7, 8]) {
      const depositor = createChainClient(rpc, devAccount(index));
      await buyRbt(depositor, { deployment, reserveIn: 3_000n * 10n ** 6n, useFaucet: true });
      const note = createNote(POOL_NOTE);
      const { leafIndex, receipt } = await depositToPool(depositor, {
        deployment,
        noteKey: noteKey(note),
        denomination: POOL_NOTE,
      });
      if (index === 5) {
        notes.add({ ...note, status: 'unspent', leafIndex });
        depositHashes.push(receipt.transactionHash);
      }
    }
    const anonymitySet = 4;
    {
      await poolClient.connect();
      const body = await socksGet(poolClient.socks.address.port, '127.0.0.1', origin.port, '/file.bin');
      assert.equal(body.length, SIZE);
      const path = poolClient.status().path;
      assert.equal(path.length, 3);
      assert.ok(
        path.every((h) => h.paidWei > 0n),
        'every hop paid',
      );

      // The chain, read in full: each channel was funded by the pool for a one-time key and refunds to the pool;
      // every funding transaction was sent by the relayer; the owner's only transactions are its deposit and
      // buying RBT, and no address of its deposit transaction (but the pool's and the token's) is in a funding one.
      const pool = deployment.contracts.pool.toLowerCase();
      const deposit = await ownerClient.getTransaction({ hash: depositHashes[0] as Hex });
      const depositAddresses = new Set([deposit.from, deposit.to].map((a) => a?.toLowerCase()));
      for (const hop of path) {
        const channel = await getChannel(ownerClient, { deployment, channelId: hop.channelId });
        assert.equal(channel.refundTo.toLowerCase(), pool, 'refunds go to the pool, not to a wallet');
        const [opened] = await ownerClient.getContractEvents({
          address: deployment.contracts.channels,
          abi: paymentChannelsAbi,
          eventName: 'ChannelRefundTo',
          args: { channelId: hop.channelId },
          fromBlock: 0n,
        });
        assert.equal(opened?.args.funder?.toLowerCase(), pool, 'the pool funded the channel');
        const funding = await ownerClient.getTransaction({ hash: opened?.transactionHash as Hex });
        assert.equal(funding.from.toLowerCase(), relayer.account.address.toLowerCase());
        for (const a of [funding.from, funding.to])
          if (a && a.toLowerCase() !== pool) assert.equal(depositAddresses.has(a.toLowerCase()), false, `${a} links`);
      }
      const deposits = await ownerClient.getContractEvents({
        address: deployment.contracts.pool,
        abi: shieldedPoolAbi,
        eventName: 'Deposited',
        fromBlock: 0n,
      });
      assert.equal(deposits.filter((d) => d.args.denomination === POOL_NOTE).length, anonymitySet);

      // Every provider's records (log, state files, peer store): no trace of the owner's wallet.
      const walletHex = owner.address.slice(2).toLowerCase();
      const walletBytes = Buffer.from(hexToBytes(owner.address));
      for (const hop of hops) {
        assert.equal(readFileSync(hop.log, 'utf8').toLowerCase().includes(walletHex), false, `${hop.ip} log`);
        for (const f of readdirSync(hop.dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
          const bytes = readFileSync(join(f.parentPath, f.name));
          assert.equal(bytes.toString('latin1').toLowerCase().includes(walletHex), false, `${hop.ip} ${f.name}`);
          assert.equal(bytes.indexOf(walletBytes), -1, `${hop.ip} ${f.name} has the wallet's bytes`);
        }
      }
      // The exit saw neither the pool client's IP nor its peer id either.
      const exit = hops[2] as Hop;
      assert.equal(readFileSync(exit.log, 'utf8').includes(POOL_CLIENT_IP), false);
      for (const peer of await exit.provider.node.peerStore.all())
        assert.notEqual(peer.id.toString(), poolClient.node.peerId.toString());
    }
  });
});
