/**
 * Two fresh Sybil auditors on a real devnet (`bandex devnet`: three honest providers, three staked
 * auditors, a client), issue 16's attack: they register (the minimum auditor stake, bonded now), join the
 * network's gossip from their own libp2p node, and every epoch each signs a made-up black-hole report on
 * an honest provider, anchors it on chain, signs the slash and proposes it. Before their stake weighs they
 * sit on no committee: gossip drops their reports and the registry refuses them (`NotInCommittee`); once
 * it weighs they hold two of five seats: their reports count in the median but cannot move it, and their
 * proposals are short of the quorum of four. The honest provider keeps its stake, and its reputation in
 * the client's view never drops below the selection threshold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { type Address, createPublicClient, type Hex, http, keccak256, toHex } from 'viem';
import { slashReportOf, submitSlash } from '../../src/audit/submitSlash.ts';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { anchorReports } from '../../src/chain/actions/anchorReports.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { registerAuditor } from '../../src/chain/actions/registerAuditor.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { readDeployment } from '../../src/chain/deployment.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { type BandexNode, createBandexNode } from '../../src/net/createBandexNode.ts';
import { AUDIT_TOPIC } from '../../src/reputation/AuditGossip.ts';
import { encodeAuditMessage } from '../../src/reputation/auditMessages.ts';
import { type AuditReport, evidenceOf, signAuditReport } from '../../src/reputation/auditReport.ts';
import { SELECTION_THRESHOLD } from '../../src/reputation/reputation.ts';
import { signSlashReport } from '../../src/reputation/slashReport.ts';
import { type DevnetProcess, getJson, startDevnetCli } from '../support/devnet.ts';

/** Epochs the Sybils attack for: two before their stake weighs, two after. */
const ATTACK_EPOCHS = 4;

describe('two fresh Sybil auditors cannot move an honest provider', { timeout: 300_000 }, () => {
  let devnet: DevnetProcess;
  let node: BandexNode | undefined;
  before(async () => {
    // Honest providers claim what two busy cores carry while they are measured (as in audit.e2e).
    devnet = await startDevnetCli(['--capacity', '4000000']);
  });
  after(async () => {
    await node?.stop();
    await devnet?.stop();
  });

  it("made-up reports, anchors and slashes every epoch: the provider's stake and reputation hold", async (t) => {
    const { info } = devnet;
    const deployment = readDeployment(info.deployment);
    const domain = { chainId: info.chainId, registry: info.contracts.registry };
    const chain = createPublicClient({ transport: http(info.rpc) });
    const victim = info.providers[0]?.address as Address;
    const stakeOf = () =>
      chain.readContract({
        address: domain.registry,
        abi: providerRegistryAbi,
        functionName: 'stakeOf',
        args: [victim],
      });
    const stakeBefore = await stakeOf();

    const sybils = [devAccount(13), devAccount(14)];
    for (const sybil of sybils) {
      const client = createChainClient(info.rpc, sybil);
      await buyRbt(client, { deployment, reserveIn: 3_000n * 10n ** 6n, useFaucet: true });
      await registerAuditor(client, { deployment });
    }
    node = await createBandexNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: info.bootstrap,
      allowPrivateAddresses: true,
    });
    node.services.pubsub.subscribe(AUDIT_TOPIC);

    const epochMs = info.epochMs;
    const refusals: string[] = [];
    let delivered = 0;
    let lowest = 1;
    const reputation = async () => {
      const offers = await getJson<{ provider: Address; reputation: number }[]>(`${info.client.api}/api/providers`);
      return offers.find((o) => o.provider.toLowerCase() === victim.toLowerCase())?.reputation;
    };
    const firstEpoch = Math.floor(Date.now() / epochMs) + 1;
    for (let epoch = firstEpoch; epoch < firstEpoch + ATTACK_EPOCHS; epoch++) {
      // Just after `epoch` ends, as honest auditors report — on the chain's clock too: it judges an epoch
      // finished by its latest block (the devnet mines one at least every second), and refuses an anchor for
      // the running epoch (EpochOutOfWindow), as it would an honest auditor's.
      await sleep((epoch + 1) * epochMs + 500 - Date.now());
      while ((await chain.getBlock()).timestamp * 1000n < BigInt((epoch + 1) * epochMs)) await sleep(200);
      const reports: AuditReport[] = sybils.map((s) => ({
        auditor: s.address,
        provider: victim,
        epoch,
        probesSent: 8,
        probesDelivered: 0,
        rttMicros: 0,
        throughputBps: 0,
        claimedBps: 16_000_000,
        sessionsAttempted: 1,
        sessionsServed: 1,
        probePayer: s.address,
        probeSession: keccak256(toHex(`${s.address}:${epoch}`)) as Hex,
        bytesReceived: 0,
      }));
      const slash = slashReportOf(domain, victim, { kind: 1, epoch, reports });
      assert.equal(slash.evidence, evidenceOf(domain, reports));
      const signatures: Hex[] = [];
      for (const [i, sybil] of sybils.entries()) {
        const signed = await signAuditReport(sybil, domain, reports[i] as AuditReport);
        const sent = await node.services.pubsub.publish(AUDIT_TOPIC, encodeAuditMessage({ type: 'report', signed }));
        delivered += sent.recipients.length;
        await anchorReports(createChainClient(info.rpc, sybil), {
          deployment,
          epoch,
          digest: evidenceOf(domain, [reports[i] as AuditReport]),
          count: 1,
        });
        const signature = await signSlashReport(sybil, domain, slash);
        signatures.push(signature);
        await node.services.pubsub.publish(AUDIT_TOPIC, encodeAuditMessage({ type: 'slash', slash, signature }));
      }
      await assert.rejects(
        submitSlash(createChainClient(info.rpc, sybils[0] as never), domain, slash, signatures),
        (e) => {
          refusals.push(String((e as { meta?: { errorName?: string } }).meta?.errorName));
          return true;
        },
      );
      const now = await reputation();
      if (now !== undefined) lowest = Math.min(lowest, now);
      t.diagnostic(`epoch ${epoch}: proposal refused ${refusals.at(-1)}, victim reputation ${now?.toFixed(3)}`);
    }
    // A few more seconds for the last reports to be judged.
    await sleep(epochMs / 2);
    lowest = Math.min(lowest, (await reputation()) ?? 1);
    t.diagnostic(
      `refusals ${refusals.join(', ')}; lowest reputation ${lowest.toFixed(3)}; gossip recipients ${delivered}`,
    );

    assert.ok(delivered > 0, 'the Sybil reports reached the network (the test could fail)');
    assert.equal(refusals.length, ATTACK_EPOCHS, 'every proposal was refused');
    assert.ok(refusals.includes('NotInCommittee'), 'before their stake weighs: not on the committee');
    assert.ok(refusals.includes('QuorumNotReached'), 'after: two seats of five, short of the quorum of four');
    assert.equal(await stakeOf(), stakeBefore, 'the honest provider kept its stake');
    assert.ok(lowest >= SELECTION_THRESHOLD, `reputation stayed selectable (lowest ${lowest})`);
  });
});
