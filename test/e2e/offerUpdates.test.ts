/**
 * Prices that move, and only so fast: a registered provider started with another price updates the registry and
 * signs its offers with the new price; a second change in the same epoch is refused by the registry (no bait
 * and switch while clients choose and auditors measure), and the node does not start with an offer it cannot
 * sell under.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { createTestClient, http } from 'viem';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { readProvider } from '../../src/chain/actions/readProvider.ts';
import { readRegistryParameter } from '../../src/chain/actions/readRegistryParameter.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { CallRevertedError } from '../../src/chain/errors.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import { startProvider } from '../../src/provider/startProvider.ts';

const RBT = 10n ** 18n;
let chain: EmbeddedChain;

before(async () => {
  chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-offers-')) });
});
after(async () => {
  await chain?.stop();
});

test('a provider changes its price through the registry at most once per epoch; offers follow the registry', async () => {
  const { deployment } = chain;
  const client = createChainClient(chain.anvil.rpcUrl, devAccount(2));
  const stateDir = mkdtempSync(join(tmpdir(), 'bandex-offers-provider-'));
  const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'));
  await buyRbt(client, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
  await registerProvider(client, {
    deployment,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    priceWeiPerGiB: 100n * RBT,
    region: 'DE',
    capacityBytesPerSecond: 16_000_000,
    stakeWei: await readRegistryParameter(client, { deployment, name: 'minStake' }),
  });
  const start = (priceWeiPerGiB: bigint) =>
    startProvider({
      client,
      deployment,
      stateDir,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [],
      exitPolicy: { devnet: true },
      redeemPolicy: { minRedeemWei: RBT, maxIntervalMs: 3_600_000 },
      allowPrivateAddresses: true,
      offer: { priceWeiPerGiB },
    });

  // The epoch of the registration already counts as a change: a new price must wait for the next.
  await assert.rejects(
    start(120n * RBT),
    (error) => error instanceof CallRevertedError && error.meta.errorName === 'OfferUpdateTooSoon',
  );
  assert.equal(
    (await readProvider(client, { deployment, provider: client.account.address })).priceWeiPerGiB,
    100n * RBT,
  );

  const epochLength = Number(await readRegistryParameter(client, { deployment, name: 'epochLength' }));
  const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) });
  await test.increaseTime({ seconds: epochLength });
  await test.mine({ blocks: 1 });
  const provider = await start(120n * RBT);
  try {
    assert.equal(provider.priceWeiPerGiB, 120n * RBT, 'the node sells at the new price');
    assert.equal(
      (await readProvider(client, { deployment, provider: client.account.address })).priceWeiPerGiB,
      120n * RBT,
    );
  } finally {
    await provider.stop();
  }
  // Back to the old price in the same epoch: refused (bait and switch).
  await assert.rejects(
    start(100n * RBT),
    (error) => error instanceof CallRevertedError && error.meta.errorName === 'OfferUpdateTooSoon',
  );
  // Starting again at the price it has changes nothing and needs no transaction.
  const again = await start(120n * RBT);
  await again.stop();
});
