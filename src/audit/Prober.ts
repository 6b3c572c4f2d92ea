/**
 * Measures one provider for one epoch as customers use it, through sessions a provider cannot tell from
 * customers' (docs/audit.md "Probes that look like customers"):
 *
 * - a **canary session** paid by a fresh probe key (`ProbePayers`: never the auditor's address; the
 *   client's own path builder, so proposal, credit and vouchers are a customer's), starting at a uniform
 *   moment — possibly in the previous epoch — and lasting, sending and receiving what a customer's
 *   session does (`sessionShape.ts`: one download from the auditor's target). Its canaries go out at
 *   uniform moments inside it (`sendCanary`);
 * - in the provider's capacity slot, a **capacity session** paid by another probe key, carrying this
 *   auditor's share of the joint push (`measureCapacity`). It is recognisable by its timing and volume
 *   (all auditors push together, by design); it carries no canaries, so serving it buys nothing against
 *   the black-hole rule.
 *
 * `measure` starts one epoch ahead (the canary session may begin before the epoch does) and resolves
 * when both sessions are closed and settled; `stop()` closes the sessions in progress and settles them.
 */
import type { Address, Hex } from 'viem';
import type { Component } from '../daemon/component.ts';
import { codeOf } from '../errors/codeOf.ts';
import type { Logger } from '../log/logger.ts';
import { offerRole, type SignedOffer } from '../net/offer.ts';
import { NO_SESSION } from '../reputation/auditReport.ts';
import type { BuiltHop, BuiltPath, PathBuilder } from '../session/buildPath.ts';
import { OpenKind } from '../tunnel/constants.ts';
import { downloadFromTarget } from './downloadFromTarget.ts';
import { type CapacityPlan, CLOSE_BEFORE_END_MS, sessionsEnd, slotLength, slotStart } from './epochSchedule.ts';
import { measureCapacity } from './measureCapacity.ts';
import type { ProbePayers } from './ProbePayers.ts';
import type { ProbePurpose } from './probeKeys.ts';
import { probeTransports } from './probeTransports.ts';
import type { Scheduler } from './Scheduler.ts';
import { NONCE_BYTES, sendCanary } from './sendCanary.ts';
import {
  downloadMoment,
  drawSessionShape,
  MIN_SESSION_MS,
  maxProbeSessionMs,
  momentsIn,
  probeSessionWindow,
} from './sessionShape.ts';

/** A canary not echoed within this long is lost. */
const CANARY_TIMEOUT_MS = 3_000;
/** What one canary sends: the mode byte and its nonce. */
const CANARY_BYTES_UP = 1 + NONCE_BYTES;
/** The capacity session is built this long before its slot, so the push starts on time. */
const CAPACITY_BUILD_LEAD_MS = 1_000;
/** Two canary sessions to one provider never overlap (one channel, one session at a time): this gap at least. */
const SESSION_GAP_MS = 200;

/** What one auditor saw of one provider in one epoch (the raw material of its `AuditReport`). */
export type Measurement = {
  offer: SignedOffer;
  probesSent: number;
  probesDelivered: number;
  rtts: number[];
  throughputBps: number;
  claimedBps: number;
  sessionsAttempted: number;
  sessionsServed: number;
  /**
   * The canary session's payer key, id (zero when none was served) and what came back through it: the
   * report names them so the provider can dispute a slash with that payer's receipt. Named only after
   * the epoch, when the key is never used again.
   */
  probePayer: Address;
  probeSession: Hex;
  bytesReceived: number;
};

/** The probe payers of one provider in one epoch, funded and with their channels open. */
export type ProbeBuilders = { canary: PathBuilder; capacity: PathBuilder | undefined };

export type ProberParameters = {
  payers: ProbePayers;
  scheduler: Scheduler;
  /** The auditor's echo target, as providers are told to reach it. */
  target: { host: string; port: number };
  epochMs: number;
  /** Canaries per provider per epoch. */
  probes: number;
  capacity: CapacityPlan;
  logger: Logger;
};

export class Prober implements Component {
  readonly #p: ProberParameters;
  /** Sessions in progress, with the builder that settles them. */
  readonly #live = new Map<BuiltPath, PathBuilder>();
  /** When each provider's last canary session ends. */
  readonly #busyUntil = new Map<string, number>();

  constructor(params: ProberParameters) {
    this.#p = params;
  }

  /** Funds the epoch's probe keys for `offer`'s provider when new and opens their channels. */
  async prepare(epoch: number, offer: SignedOffer, slot: number | undefined): Promise<ProbeBuilders> {
    const { payers } = this.#p;
    const canary = await payers.ready(epoch, offer, 'canary');
    const capacity = slot === undefined ? undefined : await payers.ready(epoch, offer, 'capacity');
    return { canary, capacity };
  }

  /** Measures `offer`'s provider in the epoch starting at `start` through its probe sessions. */
  async measure(
    epoch: number,
    start: number,
    offer: SignedOffer,
    slot: number | undefined,
    builders: ProbeBuilders,
  ): Promise<Measurement> {
    const m: Measurement = {
      offer,
      probesSent: 0,
      probesDelivered: 0,
      rtts: [],
      throughputBps: 0,
      claimedBps: slot === undefined ? 0 : offer.offer.capacityBytesPerSecond,
      sessionsAttempted: 0,
      sessionsServed: 0,
      // The canary session's hop key once it opens (its receipts' signer); the probe key until then.
      probePayer: builders.canary.wallet,
      probeSession: NO_SESSION,
      bytesReceived: 0,
    };
    await Promise.all([
      this.#canarySession(epoch, start, offer, builders.canary, m),
      slot === undefined || builders.capacity === undefined
        ? undefined
        : this.#capacitySession(epoch, start, offer, slot, builders.capacity, m),
    ]);
    return m;
  }

  async #canarySession(epoch: number, start: number, offer: SignedOffer, builder: PathBuilder, m: Measurement) {
    const { scheduler, target, epochMs, probes } = this.#p;
    const provider = offer.offer.provider.toLowerCase();
    const shape = drawSessionShape(maxProbeSessionMs(epochMs));
    const window = probeSessionWindow(start, epochMs, shape.durationMs, CLOSE_BEFORE_END_MS, Math.random());
    // The previous epoch's session to this provider may still run: this one waits for it.
    const from = Math.max(window.start, (this.#busyUntil.get(provider) ?? 0) + SESSION_GAP_MS);
    const end = Math.min(Math.max(window.end, from + MIN_SESSION_MS), sessionsEnd(start, epochMs));
    this.#busyUntil.set(provider, end);
    await scheduler.sleepUntil(from);
    const path = await this.#open(epoch, offer, builder, m, 'canary');
    if (!path) return;
    const hop = path.hops[0] as BuiltHop;
    m.probeSession = hop.sessionId;
    m.probePayer = hop.payer;
    const open = openThrough(path, offer);
    const opened = Date.now();
    // Each canary at its own moment, not one after another: a lost canary waits out its timeout, and a
    // black hole must still see every canary sent inside the session (a slash needs MIN_PROBES of them).
    const canaries = Promise.all(
      momentsIn(opened, end, probes).map(async (moment) => {
        await scheduler.sleepUntil(moment);
        if (scheduler.stopped) return;
        m.probesSent++;
        const result = await sendCanary(open, target, { timeoutMs: CANARY_TIMEOUT_MS });
        if (result.delivered) {
          m.probesDelivered++;
          m.rtts.push(result.rttMicros);
        }
      }),
    );
    const download = (async () => {
      await scheduler.sleepUntil(downloadMoment(opened, end, shape));
      if (scheduler.stopped) return;
      const timeoutMs = Math.max(1_000, end - Date.now());
      // The canaries' bytes count toward the session's upload volume, as a customer's request does.
      const upBytes = Math.max(0, shape.upBytes - probes * CANARY_BYTES_UP);
      await downloadFromTarget(open, target, { upBytes, downBytes: shape.downBytes, timeoutMs });
    })();
    await Promise.all([canaries, download]);
    // A customer's session lasts as long as it lasts, not as long as its traffic.
    await scheduler.sleepUntil(end);
    await this.#close(path, builder);
    // Read once the tunnel is closed: every receipt the probe payer signed covers at most this, so an
    // honest report is never contradicted by its own payer's receipts.
    m.bytesReceived = hop.paid.bytesDown;
  }

  async #capacitySession(
    epoch: number,
    start: number,
    offer: SignedOffer,
    slot: number,
    builder: PathBuilder,
    m: Measurement,
  ) {
    const { scheduler, target, capacity } = this.#p;
    const begin = slotStart(start, slot, slotLength(capacity));
    await scheduler.sleepUntil(begin - CAPACITY_BUILD_LEAD_MS);
    const path = await this.#open(epoch, offer, builder, m, 'capacity');
    if (!path) return;
    await scheduler.sleepUntil(begin);
    if (!scheduler.stopped) {
      const open = openThrough(path, offer);
      const share = await measureCapacity(open, target, capacity);
      m.throughputBps = Math.round(share.bytesPerSecond);
    }
    await this.#close(path, builder);
  }

  async #open(
    epoch: number,
    offer: SignedOffer,
    builder: PathBuilder,
    m: Measurement,
    purpose: ProbePurpose,
  ): Promise<BuiltPath | undefined> {
    if (this.#p.scheduler.stopped) return undefined;
    m.sessionsAttempted++;
    try {
      // Over the transports customers use, each first in turn (`probeTransports`).
      const transports = probeTransports(offer, epoch, purpose);
      const path = await builder.build([offer], { transports });
      m.sessionsServed++;
      this.#p.logger.debug(
        { provider: offer.offer.provider, epoch, purpose, transport: path.session.transport },
        'probe session open',
      );
      this.#live.set(path, builder);
      return path;
    } catch (error) {
      this.#p.logger.info(
        { provider: offer.offer.provider, epoch, code: codeOf(error), err: error },
        'session refused',
      );
      return undefined;
    }
  }

  /** The final receipt (archived), then the tunnel closes and the path settles. */
  async #close(path: BuiltPath, builder: PathBuilder): Promise<void> {
    await builder.close(path);
    this.#live.delete(path);
  }

  start(): void {}

  async stop(): Promise<void> {
    const live = [...this.#live];
    for (const [path] of live) path.session.close();
    await Promise.all(live.map(([path, builder]) => builder.settle(path)));
  }
}

/**
 * How a probe reaches the audit target through `offer`'s provider: CONNECT through an exit; RELAY through a
 * relay-only provider (which refuses CONNECT), so it is measured on what it sells — carrying a hop's TCP.
 */
function openThrough(path: BuiltPath, offer: SignedOffer) {
  const kind = offerRole(offer.offer) === 'relay-only' ? OpenKind.relay : OpenKind.connect;
  return (destination: { host: string; port: number }) => path.session.exit.openStream(destination, { kind });
}
