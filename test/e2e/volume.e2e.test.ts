/**
 * Served volume end to end on a real chain: three payers open real channels to a provider and sign
 * volume receipts (EdDSA-Poseidon, keys derived from their payer keys) and the registration of their channel
 * keys; the provider keeps them in its SQLite store, and once the epoch is over its `VolumeClaimer` registers
 * the channels (paying the gas for its payers), proves the volume in zero knowledge and claims it; the
 * network view the daemon API serves (`GET /api/network`) then reports the proven totals. A payer's
 * receipt above its deposit (what a provider colluding with a payer would like to count) is left out, and
 * a second run claims nothing twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestClient, http, parseUnits } from 'viem';
import { startDaemonApi } from '../../src/api/startDaemonApi.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { openChannel } from '../../src/chain/actions/openChannelFor.ts';
import { readVolume, readVolumeEpoch } from '../../src/chain/actions/readVolume.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { signVolumeChannelKey } from '../../src/chain/actions/registerVolumeChannel.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { networkViewReader } from '../../src/daemon/readNetworkView.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import { VolumeClaimer } from '../../src/provider/VolumeClaimer.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { VolumeReceiptStore } from '../../src/store/VolumeReceiptStore.ts';
import { VOLUME_CIRCUIT } from '../../src/volume/proveVolume.ts';
import { deriveVolumeKey } from '../../src/volume/volumeKeys.ts';
import { signVolumeReceipt } from '../../src/volume/volumeReceipt.ts';
import { circuitArtifacts } from '../../src/zk/circuitArtifacts.ts';

const RBT = 10n ** 18n;
const EPOCH_SEC = 600n;
let chain: EmbeddedChain;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bandex-volume-'));
  await circuitArtifacts(VOLUME_CIRCUIT); // the daemon proves only with a built circuit: build it first
  chain = await startEmbeddedChain({
    port: 0,
    deploymentsDir: dir,
    overrides: { auditEpochSec: EPOCH_SEC, disputeWindowSec: EPOCH_SEC },
  });
});
after(async () => {
  await chain?.stop();
});

test('receipts on real channels become a proven claim and the network total the API reports', async () => {
  const { deployment } = chain;
  const rpc = chain.anvil.rpcUrl;
  const providerAccount = devAccount(2);
  const provider = createChainClient(rpc, providerAccount);
  await buyRbt(provider, { deployment, reserveIn: 2_000n * 10n ** 6n, useFaucet: true });
  const { privateKey } = await loadOrCreatePeerKey(join(dir, 'peer.key'));
  const { peerIdFromPrivateKey } = await import('@libp2p/peer-id');
  await registerProvider(provider, {
    deployment,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    priceWeiPerGiB: parseUnits('1', 18),
    region: 'DE',
    capacityBytesPerSecond: 12_500_000,
    stakeWei: 1_000n * RBT,
  });

  const store = new VolumeReceiptStore(openDatabase({ file: join(dir, 'provider.db') }));
  const { current: epoch } = await readVolumeEpoch(provider, { deployment });
  const deposit = 10n * RBT;
  const served = [
    { payer: 1, bytes: 64n << 20n, value: 2n * RBT },
    { payer: 3, bytes: 128n << 20n, value: 4n * RBT },
    { payer: 4, bytes: 32n << 20n, value: 1n * RBT },
    { payer: 6, bytes: 1n << 40n, value: deposit + 1n }, // above the deposit: never counted
  ];
  const saved: Parameters<VolumeReceiptStore['save']>[0][] = [];
  for (const s of served) {
    const payerAccount = devAccount(s.payer);
    const payer = createChainClient(rpc, payerAccount);
    await buyRbt(payer, { deployment, reserveIn: 200n * 10n ** 6n, useFaucet: true });
    const { channelId } = await openChannel(payer, { deployment, payee: providerAccount.address, deposit });
    const key = await deriveVolumeKey(payerAccount);
    const entry = {
      channel: { channelId, payee: providerAccount.address, deposit, key: key.publicKey },
      payer: payerAccount.address,
      registrationSignature: await signVolumeChannelKey(payerAccount, { deployment, channelId, key: key.publicKey }),
      receipt: signVolumeReceipt(key.privateKey, { channelId, epoch, bytes: s.bytes, value: s.value }),
    };
    store.save(entry);
    saved.push(entry);
  }

  const claimer = new VolumeClaimer({ client: provider, account: providerAccount, deployment, store });
  assert.deepEqual(await claimer.runOnce(), [], 'nothing is claimed while the epoch runs');

  const testClient = createTestClient({ mode: 'anvil', transport: http(rpc) });
  await testClient.increaseTime({ seconds: Number(EPOCH_SEC) });
  await testClient.mine({ blocks: 1 });

  const claims = await claimer.runOnce();
  assert.equal(claims.length, 1, 'three honest receipts fit one proof');
  const bytes = (64n + 128n + 32n) << 20n;
  assert.equal(claims[0]?.bytes, bytes);
  assert.equal(claims[0]?.value, 7n * RBT);
  assert.deepEqual(await readVolume(provider, { deployment, epoch }), { bytes, value: 7n * RBT });
  assert.deepEqual(await readVolume(provider, { deployment, epoch, provider: providerAccount.address }), {
    bytes,
    value: 7n * RBT,
  });
  assert.deepEqual(await claimer.runOnce(), [], 'a channel counts once');

  // A provider that lost its record of the claim (a crash before saving it) tries again: the chain refuses
  // the spent nullifiers, the claimer marks the channels counted, and the totals stay.
  const amnesiac = new VolumeReceiptStore(openDatabase({ file: join(dir, 'amnesiac.db') }));
  for (const entry of saved) amnesiac.save(entry);
  const again = new VolumeClaimer({ client: provider, account: providerAccount, deployment, store: amnesiac });
  assert.deepEqual(await again.runOnce(), []);
  assert.equal(amnesiac.get(saved[0]?.channel.channelId as `0x${string}`)?.claimedEpoch, epoch);
  assert.deepEqual(await readVolume(provider, { deployment, epoch }), { bytes, value: 7n * RBT });

  const api = await startDaemonApi({
    role: 'provider',
    status: () => ({}),
    sources: { network: { read: networkViewReader(provider, deployment), intervalMs: 5_000 } },
  });
  try {
    const response = await fetch(`${api.url}/api/network`);
    assert.equal(response.status, 200);
    const view = (await response.json()) as {
      volume?: { epoch: string; bytes: string; value: string };
      providers: { address: string; servedBytes?: string }[];
    };
    assert.deepEqual(view.volume && { ...view.volume }, {
      epoch: epoch.toString(),
      bytes: bytes.toString(),
      value: (7n * RBT).toString(),
      epochLengthSec: EPOCH_SEC.toString(),
    });
    const mine = view.providers.find((p) => p.address.toLowerCase() === providerAccount.address.toLowerCase());
    assert.equal(mine?.servedBytes, bytes.toString());
  } finally {
    await api.close();
  }
});
