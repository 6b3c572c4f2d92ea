/**
 * The auditor daemon (`bandex audit`): a staked auditor measuring every registered provider, every
 * epoch, as an ordinary paying client would use it — a paid 1-hop session built by the client's own
 * `createPathBuilder` (same proposal, tunnel and payment), so a provider cannot tell a probe from a
 * customer. Through that session it sends canaries at random times to a target it runs itself
 * (`startAuditTarget`: echo), and in the provider's capacity slot it pushes the provider together
 * with the other auditors (FlashFlow-style: every auditor derives the same slot schedule from the
 * epoch number and the sorted provider addresses, and each reports its share; the capacity is the
 * sum). At the end of the epoch it signs one `AuditReport` per provider, publishes the reports on
 * the audit topic and anchors their digest on chain. From everyone's reports it finds slashable
 * failures (`findSlash`), signs the registry `Report` when its own report is part of the evidence,
 * collects the quorum's signatures over gossip and submits the slash.
 *
 * Epoch timeline (E = `epochMs`): canaries at random moments in [0.5 s, E − 3 s]; capacity slots
 * from `CAPACITY_OFFSET_MS`, one provider after another; sessions closed at E − 1.5 s; reports
 * published just after the epoch ends; slash findings evaluated `SLASH_DELAY_MS` later.
 */
import { join } from 'node:path';
import type { Address, Hex, LocalAccount } from 'viem';
import { startDaemonApi } from '../api/startDaemonApi.ts';
import { Telemetry } from '../api/telemetry.ts';
import { providerRegistryAbi } from '../chain/abi/providerRegistry.ts';
import { anchorReports } from '../chain/anchorReports.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { isStakedAuditor } from '../chain/isStakedAuditor.ts';
import { createSerialWrites } from '../chain/serialWrites.ts';
import { joinAsClient } from '../daemon/joinAsClient.ts';
import { BaseError } from '../errors/BaseError.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { BandexNode } from '../net/createBandexNode.ts';
import type { SignedOffer } from '../net/offer.ts';
import { type AuditDomain, type AuditReport, evidenceOf, signAuditReport } from '../reputation/auditReport.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import { PRIOR, SELECTION_THRESHOLD } from '../reputation/reputation.ts';
import { type SlashReport, signSlashReport } from '../reputation/slashReport.ts';
import { type BuiltPath, createPathBuilder } from '../session/buildPath.ts';
import { ChannelStore } from '../store/ChannelStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { DEFAULT_EPOCH_MS } from './constants.ts';
import { measureCapacity } from './measureCapacity.ts';
import { sendCanary } from './sendCanary.ts';
import { findSlash } from './slashFinding.ts';
import { startAuditTarget } from './startAuditTarget.ts';
import { slashReportOf, submitSlash } from './submitSlash.ts';

const CAPACITY_OFFSET_MS = 2_000;
const CLOSE_BEFORE_END_MS = 1_500;
const SLASH_DELAY_MS = 4_000;
const CANARY_TIMEOUT_MS = 3_000;
/** How long each auditor waits per rank before submitting a slash others may have submitted. */
const SUBMIT_STAGGER_MS = 3_000;

export class AuditorError extends BaseError<Record<string, unknown>> {
  override name = 'AuditorError';
}

export type CapacityPlan = { streams: number; warmupMs: number; windowMs: number };

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
  /** RBT wei deposited in each new channel to a provider. */
  depositWei: bigint;
  apiHost?: string;
  apiPort?: number;
  allowPrivateAddresses?: boolean;
  logger?: Logger;
};

export type AuditorStatus = {
  address: Address;
  epoch: number;
  epochMs: number;
  reportsPublished: number;
  /** Epochs whose report digest this auditor anchored on chain (`ProviderRegistry.anchorReports`). */
  reportsAnchored: number;
  slashesSubmitted: number;
  providers: { provider: Address; reputation: number; eligible: boolean; last?: AuditReport }[];
};

export type Auditor = {
  address: Address;
  api: { url: string };
  node: BandexNode;
  book: ReputationBook;
  status(): AuditorStatus;
  stop(): Promise<void>;
};

type Measurement = {
  offer: SignedOffer;
  probesSent: number;
  probesDelivered: number;
  rtts: number[];
  throughputBps: number;
  claimedBps: number;
  sessionsAttempted: number;
  sessionsServed: number;
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
  const contract = { address: registry, abi: providerRegistryAbi } as const;
  const [quorum, minStakeWei] = await Promise.all([
    client.readContract({ ...contract, functionName: 'auditorQuorum' }),
    client.readContract({ ...contract, functionName: 'minStake' }),
  ]);
  const stakedAuditor = (who: Address) => isStakedAuditor(client, deployment, who);
  if (!(await stakedAuditor(address))) {
    throw new AuditorError(`${address} is not a registered auditor with stake`, {
      code: 'AUDITOR_NOT_REGISTERED',
      details: 'register and bond at least the minimum auditor stake first: bandex audit --register <stake>',
    });
  }
  const epochMs = params.epochMs ?? DEFAULT_EPOCH_MS;
  const probes = params.probes ?? 8;
  const capacity = params.capacity ?? { streams: 4, warmupMs: 500, windowMs: 2_000 };
  const slotMs = capacity.warmupMs + capacity.windowMs + 500;
  const domain: AuditDomain = { chainId: deployment.chainId, registry };

  const store = new ChannelStore(openDatabase({ file: join(stateDir, 'auditor.db') }));
  const target = await startAuditTarget({ host: params.targetHost ?? '127.0.0.1', port: params.targetPort ?? 0 });
  const targetAddress = { host: params.targetAnnounceHost ?? target.address.host, port: target.address.port };
  /** Slash signatures heard, by slash report. */
  const slashSignatures = new Map<string, { slash: SlashReport; bySigner: Map<string, Hex> }>();
  const slashKey = (s: SlashReport) => `${s.provider.toLowerCase()}:${s.epoch}:${s.kind}:${s.evidence}`;
  const { node, directory, book, gossip } = await joinAsClient({
    ...params,
    minStakeWei,
    logger,
    onSlashSignature: (slash, signer, signature) => recordSignature(slash, signer, signature),
  });
  // Channel opens, anchors and slashes all come from this account: one transaction at a time.
  const serialWrites = createSerialWrites();
  const builder = createPathBuilder({
    serialWrites,
    client,
    deployment,
    account,
    node,
    store,
    depositWei: params.depositWei,
    creditBytes: 4 * 1024 * 1024,
    logger,
  });
  const telemetry = new Telemetry();
  const totals = { reportsPublished: 0, reportsAnchored: 0, slashesSubmitted: 0 };
  const last = new Map<string, AuditReport>();
  const live = new Set<BuiltPath>();
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const at = (when: number, run: () => void | Promise<void>) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (stopped) return;
        Promise.resolve(run()).catch((error: unknown) => logger.warn({ err: error }, 'audit step failed'));
      },
      Math.max(0, when - Date.now()),
    );
    timers.add(timer);
  };
  const sleepUntil = (when: number) =>
    new Promise<void>((resolve) => {
      at(when, resolve);
    });

  /** Measures one provider through one paid session for the epoch starting at `start`. */
  const auditProvider = async (
    epoch: number,
    start: number,
    offer: SignedOffer,
    slot: number | undefined,
  ): Promise<Measurement> => {
    const m: Measurement = {
      offer,
      probesSent: 0,
      probesDelivered: 0,
      rtts: [],
      throughputBps: 0,
      claimedBps: slot === undefined ? 0 : offer.offer.capacityBytesPerSecond,
      sessionsAttempted: 1,
      sessionsServed: 0,
    };
    const end = start + epochMs - CLOSE_BEFORE_END_MS;
    let path: BuiltPath;
    try {
      path = await builder.build([offer]);
    } catch (error) {
      logger.info(
        { provider: offer.offer.provider, epoch, code: (error as { code?: string }).code },
        'session refused',
      );
      return m;
    }
    m.sessionsServed = 1;
    live.add(path);
    const open = (destination: { host: string; port: number }) => path.session.openStream(destination);
    // Canaries at random moments, so a provider cannot serve probes and drop the rest.
    const moments = Array.from({ length: probes }, () => start + 500 + Math.random() * (epochMs - 3_500)).sort(
      (a, b) => a - b,
    );
    const canaries = (async () => {
      for (const moment of moments) {
        await sleepUntil(moment);
        if (stopped || Date.now() > end) return;
        m.probesSent++;
        const result = await sendCanary(open, targetAddress, { timeoutMs: CANARY_TIMEOUT_MS });
        if (result.delivered) {
          m.probesDelivered++;
          m.rtts.push(result.rttMicros);
        }
      }
    })();
    const measured = (async () => {
      if (slot === undefined) return;
      await sleepUntil(start + CAPACITY_OFFSET_MS + slot * slotMs);
      if (stopped) return;
      const share = await measureCapacity(open, targetAddress, capacity);
      m.throughputBps = Math.round(share.bytesPerSecond);
    })();
    await Promise.all([canaries, measured]);
    path.session.close();
    live.delete(path);
    await builder.settle(path);
    return m;
  };

  const runEpoch = async (epoch: number) => {
    const start = epoch * epochMs;
    const offers = directory
      .list()
      .sort((a, b) => (a.offer.provider.toLowerCase() < b.offer.provider.toLowerCase() ? -1 : 1));
    const slots = Math.max(0, Math.floor((epochMs - CAPACITY_OFFSET_MS - 3_000) / slotMs));
    // Every auditor derives the same schedule: with more providers than slots, the window rotates.
    const slotOf = (i: number) => {
      const n = offers.length;
      const k = (((i - epoch * slots) % n) + n) % n;
      return k < slots ? k : undefined;
    };
    // Channels first, one at a time: the auditor's own failure (funds, chain) is not the provider's.
    const ready: { offer: SignedOffer; slot: number | undefined }[] = [];
    for (const [i, offer] of offers.entries()) {
      try {
        await builder.channelFor(offer);
        ready.push({ offer, slot: slotOf(i) });
      } catch (error) {
        logger.warn(
          { err: error, provider: offer.offer.provider },
          'no channel to the provider; not audited this epoch',
        );
      }
    }
    const measurements = await Promise.all(ready.map(({ offer, slot }) => auditProvider(epoch, start, offer, slot)));
    at(start + epochMs + Math.random() * 300, () => publish(epoch, measurements));
    at(start + epochMs + SLASH_DELAY_MS, () => judge(epoch));
  };

  const publish = async (epoch: number, measurements: Measurement[]) => {
    const mine: AuditReport[] = [];
    for (const m of measurements) {
      const rtts = [...m.rtts].sort((a, b) => a - b);
      const report: AuditReport = {
        auditor: address,
        provider: m.offer.offer.provider,
        epoch,
        probesSent: m.probesSent,
        probesDelivered: m.probesDelivered,
        rttMicros: rtts.length ? Math.round(rtts[rtts.length >> 1] as number) : 0,
        throughputBps: m.throughputBps,
        claimedBps: m.claimedBps,
        sessionsAttempted: m.sessionsAttempted,
        sessionsServed: m.sessionsServed,
      };
      await gossip.publishReport(await signAuditReport(account, domain, report));
      last.set(report.provider.toLowerCase(), report);
      mine.push(report);
      totals.reportsPublished++;
    }
    if (mine.length === 0) return;
    const digest = evidenceOf(domain, mine);
    telemetry.publish('report', { epoch, reports: mine.length, digest });
    logger.info({ epoch, reports: mine.length, digest }, 'reports published');
    // Their digest on chain: anyone can check later that a set of gossiped reports is what was anchored.
    try {
      await serialWrites(() => anchorReports({ client, deployment, epoch, digest, count: mine.length }));
      totals.reportsAnchored++;
    } catch (error) {
      logger.warn({ err: error, epoch }, 'anchoring the reports failed');
    }
  };

  /** Signs the slash of every provider the epoch's reports convict, if this auditor's report is evidence. */
  const judge = async (epoch: number) => {
    const reports = book.reports();
    const providers = new Set(book.reports(epoch).map((r) => r.provider));
    for (const provider of providers) {
      const finding = findSlash(reports, provider, epoch, Number(quorum));
      if (!finding) continue;
      if (!finding.reports.some((r) => r.auditor.toLowerCase() === address.toLowerCase())) continue;
      const slash = slashReportOf(domain, provider, finding);
      const signature = await signSlashReport(account, domain, slash);
      logger.info({ provider, epoch, kind: slash.kind }, 'slashable failure found; signing');
      recordSignature(slash, address, signature);
      await gossip.publishSlashSignature(slash, signature);
    }
  };

  /** Keeps a quorum member's signature over `slash` (its own or one heard) and submits once there are enough. */
  const recordSignature = (slash: SlashReport, signer: Address, signature: Hex) => {
    const key = slashKey(slash);
    const entry = slashSignatures.get(key) ?? { slash, bySigner: new Map() };
    entry.bySigner.set(signer.toLowerCase(), signature);
    slashSignatures.set(key, entry);
    void trySubmit(key);
  };

  const submitting = new Set<string>();
  /** With a quorum of signatures, the lowest-addressed signer submits first, the others later if needed. */
  const trySubmit = async (key: string) => {
    const entry = slashSignatures.get(key);
    if (!entry || submitting.has(key) || !entry.bySigner.has(address.toLowerCase())) return;
    if (entry.bySigner.size < Number(quorum)) return;
    submitting.add(key);
    const rank = [...entry.bySigner.keys()].sort().indexOf(address.toLowerCase());
    await new Promise((resolve) => setTimeout(resolve, rank * SUBMIT_STAGGER_MS));
    const signatures = [...entry.bySigner.values()];
    try {
      await serialWrites(() => submitSlash(client, domain, entry.slash, signatures));
      totals.slashesSubmitted++;
      telemetry.publish('slash', { provider: entry.slash.provider, epoch: entry.slash.epoch, kind: entry.slash.kind });
      logger.info(
        { provider: entry.slash.provider, epoch: entry.slash.epoch, kind: entry.slash.kind },
        'slash submitted',
      );
    } catch (error) {
      const text = String((error as Error).message);
      if (/ReportAlreadyUsed/.test(text)) logger.info({ provider: entry.slash.provider }, 'slash already submitted');
      else logger.warn({ err: error }, 'slash submission failed');
    }
  };

  // Epoch loop: every epoch from the next boundary on (a partial first epoch is skipped).
  const scheduleFrom = (epoch: number) => {
    at(epoch * epochMs, async () => {
      scheduleFrom(epoch + 1);
      await runEpoch(epoch);
    });
  };
  scheduleFrom(Math.floor(Date.now() / epochMs) + 1);

  const status = (): AuditorStatus => {
    const reputation = book.reputation();
    return {
      address,
      epoch: Math.floor(Date.now() / epochMs),
      epochMs,
      reportsPublished: totals.reportsPublished,
      reportsAnchored: totals.reportsAnchored,
      slashesSubmitted: totals.slashesSubmitted,
      providers: directory.list().map((o) => {
        const key = o.offer.provider.toLowerCase();
        const r = reputation.get(key);
        return {
          provider: o.offer.provider,
          reputation: r ?? PRIOR,
          eligible: (r ?? PRIOR) >= SELECTION_THRESHOLD,
          last: last.get(key),
        };
      }),
    };
  };
  const api = await startDaemonApi({
    role: 'auditor',
    address,
    stateDir,
    host: params.apiHost,
    port: params.apiPort ?? 0,
    logger,
    status,
    telemetry,
  });
  logger.info({ address, epochMs, target: targetAddress, api: api.url }, 'auditor started');

  return {
    address,
    api,
    node,
    book,
    status,
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      for (const path of live) path.session.close();
      await Promise.all([...live].map((path) => builder.settle(path)));
      gossip.stop();
      directory.stop();
      await api.close();
      await target.close();
      await node.stop();
      store.close();
    },
  };
}
