/**
 * The auditor's epoch loop: every epoch it makes sure the committee seed of the epoch is drawn
 * (`ensureSeeds`), then audits every provider whose offer it holds and whose committee it sits on. Each epoch's
 * work starts one epoch ahead (a probe's canary session may begin before the epoch does, as a
 * customer's would; the first epoch measured is the second full one after the start). Probe keys and
 * channels first, one provider at a time (the auditor's own failure — funds, chain — is not the
 * provider's, so a provider without a channel is left out of the epoch rather than reported), then every
 * provider measured at once (`Prober`), each in its capacity slot (`epochSchedule`); just after the
 * epoch the reports go out (`ReportPublisher`), and a little later everyone's reports are judged for
 * slashes (`SlashCollector`).
 */

import type { Address } from 'viem';
import type { Component } from '../daemon/component.ts';
import type { Logger } from '../log/logger.ts';
import type { OfferDirectory } from '../net/OfferDirectory.ts';
import type { SignedOffer } from '../net/offer.ts';
import type { AuditGossip } from '../reputation/AuditGossip.ts';
import type { CommitteeBook } from '../reputation/CommitteeBook.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import {
  auditOrder,
  type CapacityPlan,
  capacitySlot,
  epochStart,
  judgeAt,
  nextEpoch,
  publishAt,
  slotCount,
  slotLength,
} from './epochSchedule.ts';
import type { ProbeBuilders, Prober } from './Prober.ts';
import type { ReportPublisher } from './ReportPublisher.ts';
import type { Scheduler } from './Scheduler.ts';
import type { SlashCollector } from './SlashCollector.ts';

export type AuditLoopParameters = {
  /** This auditor. */
  auditor: Address;
  epochMs: number;
  committees: CommitteeBook;
  /** Draws the seeds of `epoch` and the next if they are not drawn yet (one transaction, or none). */
  ensureSeeds: (epoch: number) => Promise<void>;
  capacity: CapacityPlan;
  directory: OfferDirectory;
  scheduler: Scheduler;
  prober: Prober;
  publisher: ReportPublisher;
  slashes: SlashCollector;
  gossip: AuditGossip;
  book: ReputationBook;
  logger: Logger;
};

export class AuditLoop implements Component {
  readonly #p: AuditLoopParameters;

  constructor(params: AuditLoopParameters) {
    this.#p = params;
  }

  start(): void {
    this.#scheduleFrom(nextEpoch(Date.now(), this.#p.epochMs) + 1);
  }

  /** Nothing of its own to stop: the scheduler it runs on is stopped after it. */
  stop(): void {}

  #scheduleFrom(epoch: number): void {
    this.#p.scheduler.at(epochStart(epoch - 1, this.#p.epochMs), async () => {
      this.#scheduleFrom(epoch + 1);
      await this.#run(epoch);
    });
  }

  async #run(epoch: number): Promise<void> {
    const { epochMs, capacity, directory, scheduler, prober, publisher, slashes, gossip, book, logger } = this.#p;
    const start = epochStart(epoch, epochMs);
    try {
      // Run one epoch ahead: the seeds of the epoch before this one and of this one.
      await this.#p.ensureSeeds(epoch - 1);
    } catch (error) {
      logger.warn({ err: error, epoch }, 'drawing the committee seeds failed');
    }
    // The slot schedule is over every offer (all auditors derive the same); only the committee's are audited.
    const all = auditOrder(directory.list());
    const mine = await Promise.all(
      all.map((o) => this.#p.committees.isMember(this.#p.auditor, o.offer.provider, epoch).catch(() => false)),
    );
    const slots = slotCount(epochMs, slotLength(capacity));
    const ready: { offer: SignedOffer; slot: number | undefined; builders: ProbeBuilders }[] = [];
    for (const [i, offer] of all.entries()) {
      if (!mine[i]) continue;
      const slot = capacitySlot(i, all.length, epoch, slots);
      try {
        ready.push({ offer, slot, builders: await prober.prepare(epoch, offer, slot) });
      } catch (error) {
        logger.warn(
          { err: error, provider: offer.offer.provider },
          'no channel to the provider; not audited this epoch',
        );
      }
    }
    const measurements = await Promise.all(
      ready.map(({ offer, slot, builders }) => prober.measure(epoch, start, offer, slot, builders)),
    );
    scheduler.at(publishAt(start, epochMs), () => publisher.publish(epoch, measurements));
    scheduler.at(judgeAt(start, epochMs), () =>
      slashes.judge(epoch, book.reports(), (slash, signature) => gossip.publishSlashSignature(slash, signature)),
    );
  }
}
