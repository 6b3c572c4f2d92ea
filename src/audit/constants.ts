/** Audit epochs (no imports: the CLI reads these without loading the auditor). */

/**
 * Shortest epoch: capacity slots (3 s each) start at 2 s and must end by E − 3 s, so below 8 s no provider
 * gets a capacity slot; 10 s leaves one with margin (and a canary session of at least 3 s fits half of it).
 */
export const MIN_EPOCH_MS = 10_000;
/** Longest epoch: a week, well under the 24.8-day ceiling of the `setTimeout` that schedules each epoch. */
export const MAX_EPOCH_MS = 7 * 24 * 3_600_000;
