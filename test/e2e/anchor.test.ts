/**
 * Anchoring audit reports on a real chain: a staked auditor anchors the digest of its epoch's reports
 * (the `ReportsAnchored` event carries it), a second anchor of the same epoch and an unstaked caller are
 * rejected by the registry.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { keccak256, parseEventLogs, stringToHex } from 'viem';
import { bandwidthTokenAbi } from '../../src/chain/abi/bandwidthToken.ts';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { anchorReports } from '../../src/chain/actions/anchorReports.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { sendTransaction } from '../../src/chain/actions/sendTransaction.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { reverted } from '../support/reverted.ts';

describe('anchoring audit reports', { timeout: 120_000 }, () => {
  let chain: EmbeddedChain;
  const auditor = devAccount(5);
  const outsider = devAccount(8);

  before(async () => {
    chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-anchor-')) });
    const { deployment } = chain;
    const client = createChainClient(chain.anvil.rpcUrl, auditor);
    const stake = await client.readContract({
      address: deployment.contracts.registry,
      abi: providerRegistryAbi,
      functionName: 'auditorMinStake',
    });
    await buyRbt(client, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
    await sendTransaction(client, {
      address: deployment.contracts.token,
      abi: bandwidthTokenAbi,
      functionName: 'approve',
      args: [deployment.contracts.registry, stake],
    });
    await sendTransaction(client, {
      address: deployment.contracts.registry,
      abi: providerRegistryAbi,
      functionName: 'registerAuditor',
      args: [stake],
    });
  });
  after(() => chain?.stop());

  test('a staked auditor anchors an epoch once', async () => {
    const client = createChainClient(chain.anvil.rpcUrl, auditor);
    const digest = keccak256(stringToHex('reports of epoch 42'));
    const receipt = await anchorReports(client, { deployment: chain.deployment, epoch: 42n, digest, count: 17 });
    const [event] = parseEventLogs({ abi: providerRegistryAbi, logs: receipt.logs, eventName: 'ReportsAnchored' });
    assert.ok(event, 'ReportsAnchored emitted');
    assert.deepEqual(event.args, { auditor: auditor.address, epoch: 42n, digest, count: 17 });
    const anchored = await client.readContract({
      address: chain.deployment.contracts.registry,
      abi: providerRegistryAbi,
      functionName: 'isAnchored',
      args: [auditor.address, 42n],
    });
    assert.equal(anchored, true);

    await assert.rejects(
      anchorReports(client, { deployment: chain.deployment, epoch: 42n, digest, count: 17 }),
      reverted('AlreadyAnchored'),
    );
    // The next epoch is its own anchor.
    await anchorReports(client, { deployment: chain.deployment, epoch: 43n, digest, count: 0 });
  });

  test('an account that is not a staked auditor cannot anchor', async () => {
    const client = createChainClient(chain.anvil.rpcUrl, outsider);
    await assert.rejects(
      anchorReports(client, {
        deployment: chain.deployment,
        epoch: 42n,
        digest: keccak256(stringToHex('forged')),
        count: 1,
      }),
      reverted('NotStakedAuditor'),
    );
  });
});
