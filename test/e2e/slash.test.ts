/**
 * Slashing from audit reports on a real chain: three staked auditors' signed reports show a black
 * hole; the finding's quorum signs the registry's Report and the provider's stake drops by the slash
 * share. A replayed report, a forged signature, an unstaked signer and a quorum short by one revert.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Address, type Hex, parseUnits } from 'viem';
import { findSlash } from '../../src/audit/slashFinding.ts';
import { slashReportOf, submitSlash } from '../../src/audit/submitSlash.ts';
import { bandwidthTokenAbi } from '../../src/chain/abi/bandwidthToken.ts';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { sendTransaction } from '../../src/chain/actions/sendTransaction.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import type { AuditReport } from '../../src/reputation/auditReport.ts';
import { signSlashReport } from '../../src/reputation/slashReport.ts';
import { reverted } from '../support/reverted.ts';

const PEER_ID = '12D3KooWRfTo4hmXs3FzZgvWL3uzX5ZwbZVXUuqCeg5nJUBj2DvU';

describe('slashing from audit reports', { timeout: 120_000 }, () => {
  let chain: EmbeddedChain;
  const provider = devAccount(2);
  const auditors = [devAccount(5), devAccount(6), devAccount(7)];
  const outsider = devAccount(8);
  let domain: { chainId: number; registry: Address };
  const stakeOf = () =>
    createChainClient(chain.anvil.rpcUrl, outsider).readContract({
      address: domain.registry,
      abi: providerRegistryAbi,
      functionName: 'stakeOf',
      args: [provider.address],
    });

  before(async () => {
    chain = await startEmbeddedChain({ port: 0, deploymentsDir: mkdtempSync(join(tmpdir(), 'bandex-slash-')) });
    const { deployment } = chain;
    domain = { chainId: deployment.chainId, registry: deployment.contracts.registry };
    const rpc = chain.anvil.rpcUrl;
    const minStake = parseUnits('1000', 18);
    const providerClient = createChainClient(rpc, provider);
    await buyRbt(providerClient, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
    await registerProvider(providerClient, {
      deployment,
      peerId: PEER_ID,
      priceWeiPerGiB: parseUnits('100', 18),
      region: 'DE',
      capacityBytesPerSecond: 10_000_000,
      stakeWei: minStake,
    });
    for (const auditor of auditors) {
      const client = createChainClient(rpc, auditor);
      await buyRbt(client, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
      await sendTransaction(client, {
        address: deployment.contracts.token,
        abi: bandwidthTokenAbi,
        functionName: 'approve',
        args: [domain.registry, minStake],
      });
      await sendTransaction(client, {
        address: domain.registry,
        abi: providerRegistryAbi,
        functionName: 'registerAuditor',
        args: [minStake],
      });
    }
  });
  after(() => chain?.stop());

  const blackhole = (auditor: Address, epoch: number): AuditReport => ({
    auditor,
    provider: provider.address,
    epoch,
    probesSent: 20,
    probesDelivered: 0,
    rttMicros: 0,
    throughputBps: 0,
    claimedBps: 10_000_000,
    sessionsAttempted: 2,
    sessionsServed: 2,
  });

  test('a quorum of black-hole reports slashes the provider once', async () => {
    const reports = auditors.map((a) => blackhole(a.address, 7));
    const finding = findSlash(reports, provider.address, 7, 2);
    assert.ok(finding);
    const report = slashReportOf(domain, provider.address, finding);
    const signatures = await Promise.all(auditors.slice(0, 2).map((a) => signSlashReport(a, domain, report)));
    const submitter = createChainClient(chain.anvil.rpcUrl, auditors[2] as never);
    const before = await stakeOf();
    await submitSlash(submitter, domain, report, signatures.reverse());
    const afterSlash = await stakeOf();
    const slashBps = await createChainClient(chain.anvil.rpcUrl, outsider).readContract({
      address: domain.registry,
      abi: providerRegistryAbi,
      functionName: 'slashBps',
    });
    assert.ok(slashBps > 0n);
    assert.equal(afterSlash, before - (before * slashBps) / 10_000n, 'slashed by the registry share');

    await assert.rejects(submitSlash(submitter, domain, report, signatures), reverted('ReportAlreadyUsed'));
  });

  test('forged, unstaked and short-quorum reports are rejected on chain', async () => {
    const submitter = createChainClient(chain.anvil.rpcUrl, auditors[2] as never);
    const finding = findSlash(
      auditors.map((a) => blackhole(a.address, 8)),
      provider.address,
      8,
      2,
    );
    assert.ok(finding);
    const report = slashReportOf(domain, provider.address, finding);
    const good = await signSlashReport(auditors[0] as never, domain, report);
    // Forged: a signature over other evidence recovers to some unregistered address.
    const forged = await signSlashReport(auditors[1] as never, domain, {
      ...report,
      evidence: `0x${'11'.repeat(32)}` as Hex,
    });
    await assert.rejects(submitSlash(submitter, domain, report, [good, forged]), reverted('NotStakedAuditor'));
    // Signed by an account that never staked as an auditor.
    const unstaked = await signSlashReport(outsider, domain, report);
    await assert.rejects(submitSlash(submitter, domain, report, [good, unstaked]), reverted('NotStakedAuditor'));
    // A quorum short by one.
    await assert.rejects(submitSlash(submitter, domain, report, [good]), reverted('QuorumNotReached'));
    const before = await stakeOf();
    await submitSlash(submitter, domain, report, [good, await signSlashReport(auditors[1] as never, domain, report)]);
    assert.ok((await stakeOf()) < before);
  });
});
