/**
 * Slashing from audit reports on a real chain (anvil, the devnet's parameters: 20 s epochs, committees of
 * up to 5, quorum 2/3, a one-epoch dispute window): the epoch's committee signs a black-hole finding, the
 * proposal waits out the dispute window and only then moves stake, once. Two fresh Sybil auditors cannot
 * slash (not in any committee until their stake is active, then short of the quorum); stale, unfinished
 * and repeated epochs, unanchored and forged signers revert; a provider holding a receipt signed by a
 * probe's payer for more than its report says voids the slash and burns the lying auditor's stake.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Address, createTestClient, type Hex, http, keccak256, parseUnits, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { checkpointIdOf, signReceipt } from '../../src/accounting/receipt.ts';
import { finishSlash, slashIdOf, slashReportOf, submitSlash } from '../../src/audit/submitSlash.ts';
import { bandwidthTokenAbi } from '../../src/chain/abi/bandwidthToken.ts';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { anchorReports } from '../../src/chain/actions/anchorReports.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { disputeSlash } from '../../src/chain/actions/disputeSlash.ts';
import { drawSeed } from '../../src/chain/actions/drawSeed.ts';
import { getProvider } from '../../src/chain/actions/getProvider.ts';
import { readCommittee } from '../../src/chain/actions/readCommittee.ts';
import { readProvider } from '../../src/chain/actions/readProvider.ts';
import { readRegistryParameter } from '../../src/chain/actions/readRegistryParameter.ts';
import { readSlashProposal } from '../../src/chain/actions/readSlashProposal.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { sendTransaction } from '../../src/chain/actions/sendTransaction.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { createSerialWrites } from '../../src/chain/serialWrites.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { SlashDefence } from '../../src/provider/SlashDefence.ts';
import {
  type AuditReport,
  auditReportDigest,
  onChainAuditReport,
  signAuditReport,
} from '../../src/reputation/auditReport.ts';
import { CommitteeBook } from '../../src/reputation/CommitteeBook.ts';
import { ReputationBook } from '../../src/reputation/ReputationBook.ts';
import { findSlash } from '../../src/reputation/slashFinding.ts';
import { signSlashReport } from '../../src/reputation/slashReport.ts';
import { reverted } from '../support/reverted.ts';

const PEER_ID = '12D3KooWRfTo4hmXs3FzZgvWL3uzX5ZwbZVXUuqCeg5nJUBj2DvU';

describe('slashing from audit reports', { timeout: 120_000 }, () => {
  let chain: EmbeddedChain;
  const provider = devAccount(2);
  const auditors = [devAccount(5), devAccount(6), devAccount(7)];
  const sybils = [devAccount(3), devAccount(4)];
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
    for (const auditor of auditors) await registerAuditorWithStake(auditor, minStake);
  });
  after(() => chain?.stop());

  const registerAuditorWithStake = async (auditor: typeof outsider, minStake: bigint) => {
    const { deployment } = chain;
    {
      const client = createChainClient(chain.anvil.rpcUrl, auditor);
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
  };

  /** Each auditor's probe session key: its receipts are what can contradict its report. */
  const probeKeys = new Map<string, ReturnType<typeof privateKeyToAccount>>();
  const probeOf = (auditor: Address) => {
    const key = probeKeys.get(auditor) ?? privateKeyToAccount(generatePrivateKey());
    probeKeys.set(auditor, key);
    return key;
  };
  const sessionOf = (auditor: Address, epoch: number) => keccak256(toHex(`${auditor}:${epoch}`));

  const blackhole = (auditor: Address, epoch: number): AuditReport => ({
    auditor,
    provider: provider.address,
    epoch,
    probesSent: 8,
    probesDelivered: 0,
    rttMicros: 0,
    throughputBps: 0,
    claimedBps: 10_000_000,
    sessionsAttempted: 1,
    sessionsServed: 1,
    probePayer: probeOf(auditor).address,
    probeSession: sessionOf(auditor, epoch),
    bytesReceived: 17,
  });

  const read = () => createChainClient(chain.anvil.rpcUrl, outsider);
  const epochNow = async () =>
    Number(await readRegistryParameter(read(), { deployment: chain.deployment, name: 'currentEpoch' }));
  /** Moves chain time to the start of the next epoch (+1 s) and mines a block. */
  const nextEpoch = async () => {
    const epochSec = Number(await readRegistryParameter(read(), { deployment: chain.deployment, name: 'epochLength' }));
    const block = await read().getBlock();
    const wait = epochSec - (Number(block.timestamp) % epochSec) + 1;
    const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) });
    await test.increaseTime({ seconds: wait });
    await test.mine({ blocks: 1 });
  };
  const waitDisputeWindow = async () => {
    const window = Number(await readRegistryParameter(read(), { deployment: chain.deployment, name: 'disputeWindow' }));
    const test = createTestClient({ mode: 'anvil', transport: http(chain.anvil.rpcUrl) });
    await test.increaseTime({ seconds: window + 1 });
    await test.mine({ blocks: 1 });
  };
  /** Who anchored the last `auditedEpoch`. */
  const anchored = new Set<Address>();
  /** An epoch whose seed is drawn and that every auditor in `anchoring` (still staked) anchored; returns it, finished. */
  const auditedEpoch = async (anchoring: (typeof outsider)[]) => {
    await nextEpoch();
    const epoch = await epochNow();
    await drawSeed(read(), { registry: domain.registry });
    await nextEpoch();
    anchored.clear();
    for (const a of anchoring) {
      // An auditor slashed for lying earlier may be under the minimum now: it cannot anchor, nor sign.
      const staked = await read().readContract({
        address: domain.registry,
        abi: providerRegistryAbi,
        functionName: 'getAuditor',
        args: [a.address],
      });
      if (
        staked.bonded < (await readRegistryParameter(read(), { deployment: chain.deployment, name: 'auditorMinStake' }))
      )
        continue;
      await anchorReports(createChainClient(chain.anvil.rpcUrl, a), {
        deployment: chain.deployment,
        epoch,
        digest: `0x${'aa'.repeat(32)}`,
        count: 1,
      });
      anchored.add(a.address);
    }
    return epoch;
  };
  const auditReportDigestOf = (r: AuditReport) => auditReportDigest(domain, r);
  const sign = (signers: (typeof outsider)[], report: Parameters<typeof signSlashReport>[2]) =>
    Promise.all(signers.map((a) => signSlashReport(a, domain, report)));

  test('the committee proposes, the dispute window passes, then the stake moves, once', async () => {
    await nextEpoch(); // the auditors' stake weighs two epochs after registering
    await nextEpoch();
    const epoch = await auditedEpoch(auditors);
    const committee = await readCommittee(read(), { registry: domain.registry, provider: provider.address, epoch });
    assert.ok(committee);
    assert.equal(committee.members.length, 3, 'every active auditor: committees hold up to 5');
    assert.equal(committee.quorum, 2);
    const finding = findSlash(
      auditors.map((a) => blackhole(a.address, epoch)),
      provider.address,
      epoch,
      committee.quorum,
    );
    assert.ok(finding);
    const report = slashReportOf(domain, provider.address, finding);
    const signers = auditors.filter((a) => finding.reports.some((r) => r.auditor === a.address));
    const submitter = createChainClient(chain.anvil.rpcUrl, auditors[2] as never);
    const before = await stakeOf();
    const proposed = await submitSlash(submitter, domain, report, (await sign(signers, report)).reverse());
    assert.equal(proposed.id, slashIdOf(provider.address, epoch));
    assert.equal(await stakeOf(), before, 'nothing moves at the proposal');
    // What any other member finalizes with: the proposal as its event recorded it.
    const recorded = await readSlashProposal(read(), { registry: domain.registry, id: proposed.id });
    assert.deepEqual(recorded?.signers, proposed.signers);
    assert.equal(recorded?.epoch, epoch);
    assert.ok((recorded?.readyAt ?? 0) > Number((await read().getBlock()).timestamp));
    await assert.rejects(finishSlash(submitter, domain, proposed), reverted('DisputeWindowOpen'));
    await waitDisputeWindow();
    await finishSlash(submitter, domain, proposed);
    const slashBps = await read().readContract({
      address: domain.registry,
      abi: providerRegistryAbi,
      functionName: 'slashBps',
    });
    assert.equal(await stakeOf(), before - (before * slashBps) / 10_000n, 'slashed by the registry share');
    await assert.rejects(finishSlash(submitter, domain, proposed), reverted('SlashNotPending'));
    await assert.rejects(
      submitSlash(submitter, domain, report, await sign(signers, report)),
      reverted('ReportAlreadyUsed'),
    );
  });

  test('two fresh Sybil auditors cannot slash: no seat until their stake is active, then short of the quorum', async () => {
    const minStake = parseUnits('1000', 18);
    for (const sybil of sybils) await registerAuditorWithStake(sybil, minStake);
    const submitter = createChainClient(chain.anvil.rpcUrl, sybils[0] as never);
    const before = await stakeOf();
    // At once: their weight is not active, so they sit on no committee.
    const early = await auditedEpoch([...auditors, ...sybils]);
    const made = {
      provider: provider.address,
      epoch: early,
      kind: 1 as const,
      evidence: `0x${'66'.repeat(32)}` as Hex,
    };
    await assert.rejects(submitSlash(submitter, domain, made, await sign(sybils, made)), reverted('NotInCommittee'));
    // Made-up epochs: long past, or not over yet.
    const stale = { ...made, epoch: early - 10 };
    await assert.rejects(
      submitSlash(submitter, domain, stale, await sign(sybils, stale)),
      reverted('EpochOutOfWindow'),
    );
    const unfinished = { ...made, epoch: early + 1 };
    await assert.rejects(
      submitSlash(submitter, domain, unfinished, await sign(sybils, unfinished)),
      reverted('EpochOutOfWindow'),
    );
    // Later, active: every auditor sits on the committee (5 seats), and two are short of its quorum of 4.
    const later = await auditedEpoch([...auditors, ...sybils]);
    const committee = await readCommittee(read(), {
      registry: domain.registry,
      provider: provider.address,
      epoch: later,
    });
    assert.equal(committee?.members.length, 5);
    assert.equal(committee?.quorum, 4);
    const again = { ...made, epoch: later };
    await assert.rejects(
      submitSlash(submitter, domain, again, await sign(sybils, again)),
      reverted('QuorumNotReached'),
    );
    // An honest auditor that did not anchor the epoch cannot lend its signature either.
    const unanchored = await auditedEpoch(sybils);
    const withHonest = { ...made, epoch: unanchored };
    await assert.rejects(
      submitSlash(submitter, domain, withHonest, await sign([...sybils, ...auditors], withHonest)),
      reverted('NotAnchored'),
    );
    assert.equal(await stakeOf(), before, 'the honest provider kept its stake');
  });

  test("a receipt signed by the probe's payer for more than the report says voids the slash", async () => {
    const epoch = await auditedEpoch([...auditors, ...sybils]);
    const committee = await readCommittee(read(), { registry: domain.registry, provider: provider.address, epoch });
    assert.ok(committee);
    const all = [...auditors, ...sybils];
    const members = all.filter((a) => committee.members.includes(a.address));
    const reports = members.map((a) => blackhole(a.address, epoch));
    const finding = findSlash(reports, provider.address, epoch, committee.quorum);
    assert.ok(finding);
    const report = slashReportOf(domain, provider.address, finding);
    const signers = members.filter((a) => finding.reports.some((r) => r.auditor === a.address));
    const submitter = createChainClient(chain.anvil.rpcUrl, auditors[0] as never);
    const proposed = await submitSlash(submitter, domain, report, await sign(signers, report));
    // The liar's own probe key acknowledged 1 MiB received (checkpoint 2 of the session it reports as black-holed).
    const liar = finding.reports[0] as AuditReport;
    const receipt = {
      sessionId: checkpointIdOf(liar.probeSession, 2),
      channelId: `0x${'c1'.repeat(32)}` as Hex,
      bytesUp: 4_096n,
      bytesDown: 1_048_576n,
      amount: 10n ** 15n,
      startTime: 1n,
      endTime: 2n,
    };
    const payerSignature = await signReceipt(probeOf(liar.auditor), domain, receipt);
    const evidence = [...finding.reports].sort((a, b) => {
      const [x, y] = [BigInt(auditReportDigestOf(a)), BigInt(auditReportDigestOf(b))];
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const index = evidence.indexOf(liar);
    const stakeBefore = await stakeOf();
    const liarStake = () =>
      read().readContract({
        address: domain.registry,
        abi: providerRegistryAbi,
        functionName: 'auditorStakeOf',
        args: [liar.auditor],
      });
    const liarBefore = await liarStake();
    // A receipt for no more than the report says is no contradiction.
    await assert.rejects(
      disputeSlash(read(), {
        registry: domain.registry,
        id: proposed.id,
        reports: evidence.map(onChainAuditReport),
        index,
        checkpoint: 2,
        receipt: { ...receipt, bytesDown: 17n },
        payerSignature: await signReceipt(probeOf(liar.auditor), domain, { ...receipt, bytesDown: 17n }),
      }),
      reverted('NotContradicting'),
    );
    await disputeSlash(createChainClient(chain.anvil.rpcUrl, provider), {
      registry: domain.registry,
      id: proposed.id,
      reports: evidence.map(onChainAuditReport),
      index,
      checkpoint: 2,
      receipt,
      payerSignature,
    });
    assert.ok((await liarStake()) < liarBefore, "the liar's stake was burned");
    await waitDisputeWindow();
    await assert.rejects(finishSlash(submitter, domain, proposed), reverted('SlashNotPending'));
    assert.equal(await stakeOf(), stakeBefore, 'no stake moved');
  });

  test("the provider's daemon disputes by itself from its receipts (SlashDefence)", async () => {
    const epoch = await auditedEpoch([...auditors, ...sybils]);
    const committees = CommitteeBook.onChain(read(), domain.registry);
    const committee = await committees.committee(provider.address, epoch);
    assert.ok(committee);
    const members = [...auditors, ...sybils].filter(
      (a) => committee.members.includes(a.address) && anchored.has(a.address),
    );
    // What the provider heard on the audit topic: the committee's signed reports.
    const book = new ReputationBook();
    for (const a of members) book.add(await signAuditReport(a, domain, blackhole(a.address, epoch)));
    const finding = findSlash(book.reports(), provider.address, epoch, committee.quorum);
    assert.ok(finding);
    const report = slashReportOf(domain, provider.address, finding);
    const signers = members.filter((a) => finding.reports.some((r) => r.auditor === a.address));
    const proposed = await submitSlash(
      createChainClient(chain.anvil.rpcUrl, auditors[0] as never),
      domain,
      report,
      await sign(signers, report),
    );
    // The provider's store holds a receipt the second signer's probe payer countersigned for 2 MiB.
    const liar = finding.reports[1] as AuditReport;
    const receipt = {
      sessionId: checkpointIdOf(liar.probeSession, 5),
      channelId: `0x${'c2'.repeat(32)}` as Hex,
      bytesUp: 1_024n,
      bytesDown: 2_097_152n,
      amount: 10n ** 15n,
      startTime: 1n,
      endTime: 2n,
    };
    const held = {
      receipt,
      seq: 5,
      payer: liar.probePayer,
      clientSignature: await signReceipt(probeOf(liar.auditor), domain, receipt),
    };
    const defence = new SlashDefence({
      client: createChainClient(chain.anvil.rpcUrl, provider),
      deployment: chain.deployment,
      domain,
      provider: provider.address,
      book,
      committees,
      findReceipt: (sessionId) => (sessionId === liar.probeSession ? held : undefined),
      serialWrites: createSerialWrites(),
      logger: silentLogger,
    });
    // Without a contradicting receipt it lets the slash stand.
    const noReceipt = new SlashDefence({
      client: createChainClient(chain.anvil.rpcUrl, provider),
      deployment: chain.deployment,
      domain,
      provider: provider.address,
      book,
      committees,
      findReceipt: () => undefined,
      serialWrites: createSerialWrites(),
      logger: silentLogger,
    });
    assert.equal(await noReceipt.answer(proposed.id, epoch, report.evidence), false);
    assert.equal(await defence.answer(proposed.id, epoch, report.evidence), true);
    const state = await read().readContract({
      address: domain.registry,
      abi: providerRegistryAbi,
      functionName: 'slashOf',
      args: [provider.address, BigInt(epoch)],
    });
    assert.equal(state.state, 2, 'disputed');
  });

  test('offline: a quorum that cannot reach the provider jails it; its daemon unjails it the next epoch', async () => {
    const epoch = await auditedEpoch([...auditors, ...sybils]);
    const committee = await readCommittee(read(), { registry: domain.registry, provider: provider.address, epoch });
    assert.ok(committee);
    const members = [...auditors, ...sybils].filter(
      (a) => committee.members.includes(a.address) && anchored.has(a.address),
    );
    const refused = (auditor: Address, e: number): AuditReport => ({
      ...blackhole(auditor, e),
      probesSent: 0,
      sessionsServed: 0,
      probeSession: `0x${'00'.repeat(32)}`,
      bytesReceived: 0,
    });
    const reports = [
      ...members.map((a) => refused(a.address, epoch - 1)),
      ...members.map((a) => refused(a.address, epoch)),
    ];
    const finding = findSlash(reports, provider.address, epoch, committee.quorum);
    assert.equal(finding?.kind, 3);
    const report = slashReportOf(domain, provider.address, finding as NonNullable<typeof finding>);
    const signers = members.filter((a) => finding?.reports.some((r) => r.auditor === a.address));
    const submitter = createChainClient(chain.anvil.rpcUrl, auditors[0] as never);
    const before = await stakeOf();
    const proposed = await submitSlash(submitter, domain, report, await sign(signers, report));
    await waitDisputeWindow();
    await finishSlash(submitter, domain, proposed);
    assert.equal(await stakeOf(), before - before / 100n, 'a tenth of a 10 % slash');
    assert.equal(
      (await readProvider(read(), { deployment: chain.deployment, provider: provider.address })).jailed,
      true,
    );
    const defence = new SlashDefence({
      client: createChainClient(chain.anvil.rpcUrl, provider),
      deployment: chain.deployment,
      domain,
      provider: provider.address,
      book: new ReputationBook(),
      committees: CommitteeBook.onChain(read(), domain.registry),
      findReceipt: () => undefined,
      serialWrites: createSerialWrites(),
      logger: silentLogger,
    });
    const { jailedUntil } = await getProvider(read(), { deployment: chain.deployment, provider: provider.address });
    if (BigInt(await epochNow()) < jailedUntil)
      assert.equal(await defence.unjailIfDue(), false, 'not before its epoch');
    await nextEpoch();
    assert.equal(await defence.unjailIfDue(), true);
    assert.equal(
      (await readProvider(read(), { deployment: chain.deployment, provider: provider.address })).jailed,
      false,
    );
    assert.equal(await defence.unjailIfDue(), false, 'not jailed any more');
  });
});
