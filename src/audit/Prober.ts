/**
 * Measures one provider for one epoch as an ordinary paying client would use it: a paid 1-hop session
 * built by the same path builder the client daemon uses (same proposal, tunnel and payment), so a
 * provider cannot tell a probe from a customer. Through it go canaries at random moments to the
 * auditor's own echo target (`sendCanary`) and, in the provider's capacity slot, this auditor's share
 * of the joint capacity push (`measureCapacity`). `stop()` closes the sessions in progress and settles
 * their payments.
 */

import type { Address, Hex } from 'viem';
import type { Component } from '../daemon/component.ts';
import { codeOf } from '../errors/codeOf.ts';
import type { Logger } from '../log/logger.ts';
import type { SignedOffer } from '../net/offer.ts';
import { NO_SESSION } from '../reputation/auditReport.ts';
import type { BuiltHop, BuiltPath, PathBuilder } from '../session/buildPath.ts';
import { type CapacityPlan, canaryMoments, sessionsEnd, slotLength, slotStart } from './epochSchedule.ts';
import { measureCapacity } from './measureCapacity.ts';
import type { Scheduler } from './Scheduler.ts';
import { sendCanary } from './sendCanary.ts';

/** A canary not echoed within this long is lost. */
const CANARY_TIMEOUT_MS = 3_000;

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
  /** The probe session's payer key, id (zero when none was served) and what came back through it. */
  probePayer: Address;
  probeSession: Hex;
  bytesReceived: number;
};

export type ProberParameters = {
  builder: PathBuilder;
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
  /** Sessions in progress. */
  readonly #live = new Set<BuiltPath>();

  constructor(params: ProberParameters) {
    this.#p = params;
  }

  /** Measures `offer`'s provider through one paid session in the epoch starting at `start`. */
  async measure(epoch: number, start: number, offer: SignedOffer, slot: number | undefined): Promise<Measurement> {
    const { builder, scheduler, target, epochMs, probes, capacity, logger } = this.#p;
    const m: Measurement = {
      offer,
      probesSent: 0,
      probesDelivered: 0,
      rtts: [],
      throughputBps: 0,
      claimedBps: slot === undefined ? 0 : offer.offer.capacityBytesPerSecond,
      sessionsAttempted: 1,
      sessionsServed: 0,
      probePayer: builder.payer,
      probeSession: NO_SESSION,
      bytesReceived: 0,
    };
    const end = sessionsEnd(start, epochMs);
    let path: BuiltPath;
    try {
      path = await builder.build([offer]);
    } catch (error) {
      logger.info({ provider: offer.offer.provider, epoch, code: codeOf(error) }, 'session refused');
      return m;
    }
    m.sessionsServed = 1;
    const hop = path.hops[0] as BuiltHop;
    m.probeSession = hop.sessionId;
    this.#live.add(path);
    const open = (destination: { host: string; port: number }) => path.session.openStream(destination);
    // Canaries at random moments, so a provider cannot serve probes and drop the rest.
    const canaries = (async () => {
      for (const moment of canaryMoments(start, epochMs, probes)) {
        await scheduler.sleepUntil(moment);
        if (scheduler.stopped || Date.now() > end) return;
        m.probesSent++;
        const result = await sendCanary(open, target, { timeoutMs: CANARY_TIMEOUT_MS });
        if (result.delivered) {
          m.probesDelivered++;
          m.rtts.push(result.rttMicros);
        }
      }
    })();
    const measured = (async () => {
      if (slot === undefined) return;
      await scheduler.sleepUntil(slotStart(start, slot, slotLength(capacity)));
      if (scheduler.stopped) return;
      const share = await measureCapacity(open, target, capacity);
      m.throughputBps = Math.round(share.bytesPerSecond);
    })();
    await Promise.all([canaries, measured]);
    this.#live.delete(path);
    await builder.close(path); // the final receipt (archived), then the tunnel closes and the path settles
    // Read once the tunnel is closed: every receipt the probe payer signed covers at most this, so an
    // honest report is never contradicted by its own payer's receipts.
    m.bytesReceived = hop.paid.bytesDown;
    return m;
  }

  start(): void {}

  async stop(): Promise<void> {
    const live = [...this.#live];
    for (const path of live) path.session.close();
    await Promise.all(live.map((path) => this.#p.builder.settle(path)));
  }
}
