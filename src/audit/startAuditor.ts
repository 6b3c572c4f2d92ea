/**
 * The auditor daemon (`bandex audit`): a staked auditor measuring every registered provider, every
 * epoch, as an ordinary paying client would use it, with the other auditors (FlashFlow-style: every
 * auditor derives the same capacity-slot schedule; the capacity is the sum of their shares). It signs
 * one `AuditReport` per provider each epoch, publishes them on the audit topic, anchors their digest on
 * chain, and slashes with the quorum what the reports convict. This file only wires its parts, each
 * started in order and stopped in reverse (`daemon/component.ts`):
 *
 * | part | what it does |
 * |---|---|
 * | `ChannelStore` | the index of the auditor's probe keys (`<stateDir>/auditor.db`) |
 * | `startAuditTarget` | the echo target its canaries and capacity pushes go to |
 * | `joinAsClient` | libp2p node, providers' offers, audit gossip → `ReputationBook` |
 * | `ProbePayers` | fresh probe payer keys (`probeKeys.ts`), their funding, channels and path builders |
 * | `Prober` | per provider per epoch: a customer-like canary session, a capacity-slot session |
 * | `Scheduler` | the epoch's moments (`epochSchedule.ts`: when each thing happens) |
 * | `AuditLoop` | every epoch: channels, measurements, then `ReportPublisher` and `SlashCollector` |
 * | `startDaemonApi` | status (`auditorStatus.ts`), events |
 */
import { join } from 'node:path';
import type { Address, LocalAccount } from 'viem';
import { startDaemonApi } from '../api/startDaemonApi.ts';
import { Telemetry } from '../api/telemetry.ts';
import { drawSeed } from '../chain/actions/drawSeed.ts';
import { isStakedAuditor } from '../chain/actions/isStakedAuditor.ts';
import { readRegistryParameter } from '../chain/actions/readRegistryParameter.ts';
import { readSeed } from '../chain/actions/readSeed.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { createSerialWrites } from '../chain/serialWrites.ts';
import { ComponentStack } from '../daemon/component.ts';
import { type JoinAsClientParameters, joinAsClient } from '../daemon/joinAsClient.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { BandexNode } from '../net/createBandexNode.ts';
import type { AuditDomain } from '../reputation/auditReport.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import { AuditReportStore } from '../store/AuditReportStore.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { ReceiptStore } from '../store/ReceiptStore.ts';
import { AuditArchive } from './AuditArchive.ts';
import { AuditLoop } from './AuditLoop.ts';
import { AuditorError } from './AuditorError.ts';
import { type AuditorStatus, auditorStatus } from './auditorStatus.ts';
import type { CapacityPlan } from './epochSchedule.ts';
import { type FundProbe, fundProbeFromAuditor } from './fundProbeFromAuditor.ts';
import { ProbePayers } from './ProbePayers.ts';
import { Prober } from './Prober.ts';
import { probeSeed, probeSeedMessage } from './probeKeys.ts';
import { ReportPublisher } from './ReportPublisher.ts';
import { Scheduler } from './Scheduler.ts';
import { SlashCollector } from './SlashCollector.ts';
import { startAuditTarget } from './startAuditTarget.ts';

export { AuditorError } from './AuditorError.ts';

/** Credit each probe session runs on: a customer's default (`DEFAULT_CREDIT_BYTES`), so a probe looks like one. */
const PROBE_CREDIT_BYTES = 4 * 1024 * 1024;

export type { AuditorStatus, CapacityPlan };

export type StartAuditorParameters = {
  client: ChainClient;
  deployment: Deployment;
  stateDir: string;
  listen: string[];
  bootstrap: string[];
  epochMs?: number;
  /** Canaries per provider per epoch. */
  probes?: number;
  capacity?: CapacityPlan;
  /** Where the auditor's own target listens, and the host providers are told to reach it at. */
  targetHost?: string;
  targetPort?: number;
  targetAnnounceHost?: string;
  /** RBT wei deposited in each new probe channel to a provider (the customers' deposit, so it is no tell). */
  depositWei: bigint;
  /**
   * How a new probe key gets its gas and RBT. Default: from the auditor's own account, which links the
   * probe key to the auditor on chain; the devnet funds probe keys as it funds customers.
   */
  fundProbe?: FundProbe;
  apiHost?: string;
  apiPort?: number;
  allowPrivateAddresses?: boolean;
  /** The auditor's own country (ISO 3166 alpha-2): round trips from here bound where providers can be. */
  region?: string;
  logger?: Logger;
};

export type Auditor = {
  address: Address;
  api: { url: string };
  node: BandexNode;
  book: ReputationBook;
  status(): AuditorStatus;
  stop(): Promise<void>;
};

export async function startAuditor(params: StartAuditorParameters): Promise<Auditor> {
  const { client, deployment, stateDir } = params;
  const logger = (params.logger ?? silentLogger).child({ component: 'auditor' });
  if (client.account.type !== 'local') {
    throw new AuditorError('the auditor needs a local signing key', { code: 'AUDITOR_NO_LOCAL_KEY' });
  }
  const account = client.account as LocalAccount;
  const address = account.address;
  const registry = deployment.contracts.registry;
  const [epochSec, disputeWindowSec, minStakeWei] = await Promise.all([
    readRegistryParameter(client, { deployment, name: 'epochLength' }),
    readRegistryParameter(client, { deployment, name: 'disputeWindow' }),
    readRegistryParameter(client, { deployment, name: 'minStake' }),
  ]);
  if (!(await isStakedAuditor(client, { deployment, auditor: address }))) {
    throw new AuditorError(`${address} is not a registered auditor with stake`, {
      code: 'AUDITOR_NOT_REGISTERED',
      details: 'register and bond at least the minimum auditor stake first: bandex audit --register <stake>',
    });
  }
  // Epochs name reports, committees and slashes on chain: the registry's epoch is the only one.
  const epochMs = Number(epochSec) * 1_000;
  if (params.epochMs !== undefined && params.epochMs !== epochMs) {
    throw new AuditorError(`the registry's audit epoch is ${epochMs / 1_000} s, not ${params.epochMs / 1_000} s`, {
      code: 'AUDITOR_EPOCH_MISMATCH',
      details: 'leave --epoch out: the epoch length is fixed when the registry is deployed',
    });
  }
  const capacity = params.capacity ?? { streams: 4, warmupMs: 500, windowMs: 2_000 };
  const domain: AuditDomain = { chainId: deployment.chainId, registry };
  const telemetry = new Telemetry();
  // Anchors, slashes (and probe funding by default) come from this account: one transaction at a time.
  const serialWrites = createSerialWrites();
  const parts = new ComponentStack();
  let slashes: SlashCollector | undefined;
  try {
    const db = openDatabase({ file: join(stateDir, 'auditor.db') });
    const store = parts.running(new ChannelStore(db), (s) => s.close());
    // The archive shares the state database (the channel store closes it): probe receipts, signed reports.
    const receipts = new ReceiptStore(db);
    const host = params.targetHost ?? '127.0.0.1';
    const target = parts.running(await startAuditTarget({ host, port: params.targetPort ?? 0 }), (t) => t.close());
    const targetAddress = { host: params.targetAnnounceHost ?? target.address.host, port: target.address.port };
    const onSlashSignature: NonNullable<JoinAsClientParameters['onSlashSignature']> = (slash, signer, signature) =>
      slashes?.record(slash, signer, signature);
    const { node, directory, book, gossip, committees } = await joinAsClient({
      ...params,
      minStakeWei,
      logger,
      onSlashSignature,
    });
    // Stopped in reverse: the audit gossip and the offer directory before the node they run on.
    parts.running(node, (n) => n.stop());
    parts.running(directory, (d) => d.stop());
    parts.running(gossip, (g) => g.stop());
    const collector = parts.running(
      new SlashCollector({
        client,
        account,
        domain,
        committees,
        disputeWindowMs: Number(disputeWindowSec) * 1_000,
        serialWrites,
        telemetry,
        logger,
      }),
      (s) => s.stop(),
    );
    slashes = collector;
    const ensureSeeds = async (epoch: number) => {
      if (BigInt(await readSeed(client, { registry, epoch: epoch + 1 })) !== 0n) return;
      await serialWrites(() => drawSeed(client, { registry }));
      logger.info({ epoch: epoch + 1 }, 'committee seed drawn');
    };
    // Archive every report heard or signed from here on, with the probes' receipts (served on the API).
    const archive = await parts.add(
      new AuditArchive({ book, reports: new AuditReportStore(db), receipts, auditor: address, domain, logger }),
    );
    // The seed of every probe key: only this auditor's key can make it, and it makes the same one after a restart.
    const seed = probeSeed(await account.signMessage({ message: probeSeedMessage(deployment.chainId) }));
    const payers = await parts.add(
      new ProbePayers({
        client,
        deployment,
        stateDir,
        seed,
        index: store,
        receipts,
        fund: params.fundProbe ?? fundProbeFromAuditor({ client, deployment, serialWrites }),
        depositWei: params.depositWei,
        creditBytes: PROBE_CREDIT_BYTES,
        relayOf: (relay) => directory.get(relay),
        logger,
      }),
    );
    const scheduler = new Scheduler({ logger });
    const probes = params.probes ?? 8;
    const prober = await parts.add(
      new Prober({ payers, scheduler, target: targetAddress, epochMs, probes, capacity, logger }),
    );
    await parts.add(scheduler);
    const publisher = new ReportPublisher({
      client,
      deployment,
      account,
      domain,
      gossip,
      serialWrites,
      telemetry,
      logger,
    });
    await parts.add(
      new AuditLoop({
        auditor: address,
        committees,
        ensureSeeds,
        epochMs,
        capacity,
        directory,
        scheduler,
        prober,
        publisher,
        slashes: collector,
        gossip,
        book,
        logger,
      }),
    );
    const status = () =>
      auditorStatus({
        address,
        epochMs,
        offers: directory.list(),
        reputation: book.reputation(),
        publisher,
        slashes: collector,
        region: params.region,
      });
    const api = parts.running(
      await startDaemonApi({
        role: 'auditor',
        address,
        stateDir,
        host: params.apiHost,
        port: params.apiPort ?? 0,
        logger,
        status,
        telemetry,
        routes: archive.routes(),
      }),
      (a) => a.close(),
    );
    logger.info({ address, epochMs, target: targetAddress, api: api.url }, 'auditor started');
    return { address, api, node, book, status, stop: () => parts.stop() };
  } catch (error) {
    await parts.stop().catch((stopError: unknown) => logger.warn({ err: stopError }, 'stopping after a failed start'));
    throw error;
  }
}

/** A client node with a fresh identity, joined to the same bootstrap peers as the auditor's own. */
