/**
 * End-to-end control plane on 127.0.0.1: a relay/bootstrap node, a provider, a client. Real libp2p
 * nodes, real sockets. (Sessions are not negotiated over libp2p: their proposals ride in the tunnel
 * handshake, tested in `test/e2e/onionSetup.e2e.test.ts` and `adversarial/proposals.e2e.test.ts`.)
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import type { GossipsubMessage } from '@libp2p/gossipsub';
import type { Connection } from '@libp2p/interface';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { OFFERS_TOPIC } from '../../src/net/constants.ts';
import { type BandexNode, createBandexNode } from '../../src/net/createBandexNode.ts';
import { encodeOffer } from '../../src/net/encodeOffer.ts';
import type { OfferError } from '../../src/net/errors.ts';
import { findProviderRecord } from '../../src/net/findProviderRecord.ts';
import { forwardOffers } from '../../src/net/forwardOffers.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import { OfferDirectory } from '../../src/net/OfferDirectory.ts';
import { OfferPublisher } from '../../src/net/OfferPublisher.ts';
import { publishProviderRecord } from '../../src/net/publishProviderRecord.ts';
import { signOffer } from '../../src/net/signOffer.ts';
import { signPeerBinding } from '../../src/net/signPeerBinding.ts';
import { TEST_CHAIN_ID, TEST_TUNNEL_KEY, testOfferFields } from '../support/netFixtures.ts';

const PRICE = 10n ** 15n;

async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 10_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const providerAccount = privateKeyToAccount(generatePrivateKey());
const relayedAccount = privateKeyToAccount(generatePrivateKey());

describe('control plane on loopback', { timeout: 40_000 }, () => {
  const nodes: BandexNode[] = [];
  const stops: (() => void | Promise<void>)[] = [];
  let relay: BandexNode;
  let provider: BandexNode;
  let client: BandexNode;
  const rejected: OfferError[] = [];
  let directory: OfferDirectory;

  const start = async (params: Omit<Parameters<typeof createBandexNode>[0], 'privateKey'>) => {
    const node = await createBandexNode({
      privateKey: await generateKeyPair('Ed25519'),
      allowPrivateAddresses: true,
      ...params,
    });
    nodes.push(node);
    return node;
  };

  before(async () => {
    relay = await start({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], bootstrap: [], relay: true });
    const [tcpAddr, wsAddr] = [
      relay.getMultiaddrs().find((a) => !a.toString().includes('/ws')),
      relay.getMultiaddrs().find((a) => a.toString().includes('/ws')),
    ];
    assert.ok(tcpAddr && wsAddr);
    stops.push(forwardOffers(relay, { chainId: TEST_CHAIN_ID }));
    provider = await start({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [tcpAddr.toString()], role: 'provider' });
    client = await start({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [wsAddr.toString()] });
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('connects to the bootstrap node (TCP and WebSocket), identifies and pings', async () => {
    await until(
      'bootstrap connections',
      () => provider.getConnections(relay.peerId).length > 0 && client.getConnections(relay.peerId).length > 0,
    );
    assert.match(client.getConnections(relay.peerId)[0]?.remoteAddr.toString() ?? '', /\/ws/);
    const relayInfo = await until('identify', async () => {
      const peer = await client.peerStore.get(relay.peerId);
      return peer.protocols.includes('/libp2p/circuit/relay/0.2.0/hop') ? peer : undefined;
    });
    assert.ok(relayInfo.protocols.includes('/bandex/kad/1.0.0'));
    assert.equal(typeof (await client.services.ping.ping(relay.peerId)), 'number');
    assert.equal(typeof (await provider.services.ping.ping(relay.peerId)), 'number');
  });

  it('gossips a provider offer through the relay into the client directory', async () => {
    directory = new OfferDirectory({
      chainId: TEST_CHAIN_ID,
      checkProvider: async (address) => ({
        registered: address === providerAccount.address,
        stakeWei: 10n ** 18n,
        priceWeiPerGiB: PRICE,
      }),
      onReject: (e) => rejected.push(e),
    });
    directory.start(client);
    stops.push(() => directory.stop());
    const publisher = new OfferPublisher({
      node: provider,
      account: providerAccount,
      chainId: TEST_CHAIN_ID,
      intervalMs: 300,
      content: () => ({
        priceWeiPerGiB: PRICE,
        region: 'DE',
        capacityBytesPerSecond: 12_500_000,
        endpoints: ['127.0.0.1:7000'],
        tunnelPublicKey: TEST_TUNNEL_KEY,
      }),
    });
    // The client's DHT dials the provider it learns of through the relay (at start and while it refreshes).
    // This test is about a client that can reach the provider only through the relay, so it hangs up any
    // direct connection while the offer travels; the propagation source shows the relay forwarded it.
    const hangUpOnProvider = ({ detail }: CustomEvent<Connection>) => {
      if (detail.remotePeer.equals(provider.peerId)) void detail.close();
    };
    client.addEventListener('connection:open', hangUpOnProvider);
    await client.hangUp(provider.peerId);
    const relayedFromProvider: string[] = [];
    const onMessage = ({ detail }: CustomEvent<GossipsubMessage>) => {
      if (detail.msg.topic !== OFFERS_TOPIC || detail.msg.type !== 'signed') return;
      if (detail.msg.from.equals(provider.peerId) && detail.propagationSource.equals(relay.peerId)) {
        relayedFromProvider.push(detail.msgId);
      }
    };
    client.services.pubsub.addEventListener('gossipsub:message', onMessage);
    stops.push(() => client.services.pubsub.removeEventListener('gossipsub:message', onMessage));
    publisher.start();
    stops.push(() => publisher.stop());
    const signed = await until('offer in directory', () => directory.get(providerAccount.address));
    await until('an offer forwarded by the relay', () => relayedFromProvider.length > 0);
    client.removeEventListener('connection:open', hangUpOnProvider);
    assert.equal(signed.offer.peerId, provider.peerId.toString());
    assert.equal(signed.offer.priceWeiPerGiB, PRICE);
    assert.deepEqual(signed.offer.endpoints, ['127.0.0.1:7000']);
    publisher.stop();
  });

  it('drops forged and expired offers published on the topic', async () => {
    // a direct connection so the client's own validator sees what the provider publishes
    await client.dial(provider.getMultiaddrs());
    await until('client subscribed at provider', () =>
      provider.services.pubsub.getSubscribers(OFFERS_TOPIC).some((p) => p.equals(client.peerId)),
    );
    const mallory = privateKeyToAccount(generatePrivateKey());
    const before = directory.get(providerAccount.address);
    // Gossip is best effort: a message published as the mesh forms can be lost, so both offers go out again
    // (signed afresh, a new message) every 2 s until the client has seen and refused each.
    let round = 0;
    const publishBoth = async () => {
      const sequence = Date.now() * 2 + round++;
      const forged = await signOffer(mallory, testOfferFields(provider.peerId.toString(), { sequence }));
      const claimed = { ...forged, offer: { ...forged.offer, provider: providerAccount.address } };
      const now = Math.floor(Date.now() / 1000);
      const expired = await signOffer(
        providerAccount,
        testOfferFields(provider.peerId.toString(), { issuedAt: now - 400, expiresAt: now - 100, sequence }),
      );
      await provider.services.pubsub.publish(OFFERS_TOPIC, encodeOffer(claimed));
      await provider.services.pubsub.publish(OFFERS_TOPIC, encodeOffer(expired));
    };
    await publishBoth();
    let lastPublish = Date.now();
    await until('both rejections', async () => {
      const codes = rejected.map((e) => e.code);
      if (codes.includes('NET_OFFER_BAD_SIGNATURE') && codes.includes('NET_OFFER_EXPIRED')) return true;
      if (Date.now() - lastPublish > 2_000) {
        lastPublish = Date.now();
        await publishBoth();
      }
      return false;
    });
    assert.equal(directory.get(providerAccount.address), before, 'the held offer is unchanged');
  });

  it('keeps its peer id across restarts with a persisted key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bandex-node-'));
    try {
      const ids: string[] = [];
      for (let run = 0; run < 2; run++) {
        const { privateKey } = await loadOrCreatePeerKey(join(dir, 'peer.key'));
        const node = await createBandexNode({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] });
        ids.push(node.peerId.toString());
        await node.stop();
      }
      assert.equal(ids[0], ids[1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stores and finds the provider record in the DHT', async () => {
    const binding = await signPeerBinding(relayedAccount, provider.peerId, TEST_CHAIN_ID);
    await until('provider in DHT routing', async () => (await publishProviderRecord(provider, binding)) > 0, 10_000);
    const found = await findProviderRecord(client, TEST_CHAIN_ID, relayedAccount.address, {
      signal: AbortSignal.timeout(5_000),
    });
    assert.deepEqual(found, binding);
  });
});
