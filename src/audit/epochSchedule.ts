/**
 * When things happen in an audit epoch (pure: every auditor computes the same schedule from the epoch
 * number, the epoch length and the sorted provider addresses, with no coordination).
 *
 * Epoch timeline (E = `epochMs`, epoch `e` starts at `e × E` Unix ms): the canary session at a random
 * moment (`sessionShape.ts`: it may start in the previous epoch), ending by E − `CLOSE_BEFORE_END_MS`; capacity slots from `CAPACITY_OFFSET_MS`, one provider after another, each
 * `slotLength` long, the last one ending by E − 3 s; sessions closed at E − `CLOSE_BEFORE_END_MS`;
 * reports published within `PUBLISH_JITTER_MS` after the epoch ends; slash findings evaluated
 * `SLASH_DELAY_MS` after it ends (time for everyone's reports to arrive).
 */
import type { SignedOffer } from '../net/offer.ts';

/** Capacity slots start this long into the epoch (sessions are built and canaries under way). */
export const CAPACITY_OFFSET_MS = 2_000;
/** Sessions close this long before the epoch ends, so they are settled before reporting. */
export const CLOSE_BEFORE_END_MS = 1_500;
/** Slash findings are evaluated this long after the epoch ends. */
export const SLASH_DELAY_MS = 4_000;
/** Reports go out at a random moment within this long after the epoch ends (not all at once). */
export const PUBLISH_JITTER_MS = 300;
/** No capacity slot after E minus this. */
const QUIET_END_MS = 3_000;
/** Gap after each capacity window before the next provider's slot. */
const SLOT_GAP_MS = 500;

export type CapacityPlan = { streams: number; warmupMs: number; windowMs: number };

/** The first epoch that starts after `now` (a partial epoch is skipped). */
export function nextEpoch(now: number, epochMs: number): number {
  return Math.floor(now / epochMs) + 1;
}

/** When epoch `epoch` starts, Unix ms. */
export function epochStart(epoch: number, epochMs: number): number {
  return epoch * epochMs;
}

/** How long one provider's capacity slot lasts: warm-up, window, and a gap. */
export function slotLength(capacity: CapacityPlan): number {
  return capacity.warmupMs + capacity.windowMs + SLOT_GAP_MS;
}

/** How many capacity slots fit in an epoch. */
export function slotCount(epochMs: number, slotMs: number): number {
  return Math.max(0, Math.floor((epochMs - CAPACITY_OFFSET_MS - QUIET_END_MS) / slotMs));
}

/** Offers in audit order: by provider address, case-insensitively (the same order on every auditor). */
export function auditOrder(offers: readonly SignedOffer[]): SignedOffer[] {
  return [...offers].sort((a, b) => (a.offer.provider.toLowerCase() < b.offer.provider.toLowerCase() ? -1 : 1));
}

/**
 * The capacity slot of the `index`-th of `providers` (in audit order) in `epoch`, or `undefined` when
 * it gets none: with more providers than `slots`, the window of measured providers rotates by `slots`
 * every epoch, so every provider is measured in turn.
 */
export function capacitySlot(index: number, providers: number, epoch: number, slots: number): number | undefined {
  const k = (((index - epoch * slots) % providers) + providers) % providers;
  return k < slots ? k : undefined;
}

/** When capacity slot `slot` of the epoch starting at `start` begins. */
export function slotStart(start: number, slot: number, slotMs: number): number {
  return start + CAPACITY_OFFSET_MS + slot * slotMs;
}

/** When the epoch's probe sessions close. */
export function sessionsEnd(start: number, epochMs: number): number {
  return start + epochMs - CLOSE_BEFORE_END_MS;
}

/** When this auditor publishes the epoch's reports; `random` in [0, 1). */
export function publishAt(start: number, epochMs: number, random = Math.random): number {
  return start + epochMs + random() * PUBLISH_JITTER_MS;
}

/** When the epoch's reports are judged for slashable failures. */
export function judgeAt(start: number, epochMs: number): number {
  return start + epochMs + SLASH_DELAY_MS;
}
