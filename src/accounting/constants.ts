/** Limits of the accounting layer, each with the reason for its value. */

/** Credit a client asks each hop for: 4 MiB (64 ticks) keeps a 40 ms path near 100 MB/s, and is the most a
 * provider can lose to one session. */
export const DEFAULT_CREDIT_BYTES = 4 * 1024 * 1024;

/** Bytes one tick pays for. 64 KiB: at 250 MB/s that is ~3,800 ticks/s, ~1.5 % of a core to verify. */
export const TICK_BYTES = 65_536;

/** Ticks between two checkpoint vouchers. 512 ticks = 32 MiB: one signature (~1–2 ms to sign or
 * recover) per 32 MiB keeps each side under 3 % of a core at 250 MB/s (bench/accounting.ts), and a claim
 * needs at most 512 hashes on chain (~130k gas more than a plain redeem), inside the 1,024-tick limit. */
export const TICKS_PER_VOUCHER = 512;

/** The contract's `MAX_TICKS_PER_REDEEM`: a claim may never need more hashes than this. */
export const MAX_TICKS_PER_REDEEM = 1_024;

/** Elements between two stored checkpoints of a hash chain, and the size of the segment the payer holds:
 * 4,096 × 32 B = 128 KiB. A default-length chain is one segment, kept from its generation (one hash per
 * tick in all); a 2^20-tick chain keeps 256 checkpoints and recomputes each further segment once (about
 * one more hash per tick). */
export const CHAIN_CHECKPOINT_INTERVAL = 4_096;

/** Hash-chain length a payer uses unless told otherwise: 4,096 ticks = 256 MiB, ≈ 4 ms to generate. A
 * multiple of `TICKS_PER_VOUCHER`, so the renewal rides on a checkpoint voucher (no extra signature);
 * short sessions no longer generate 4 GiB of chain they never use (65,536 elements, ≈ 70 ms, before). */
export const DEFAULT_CHAIN_LENGTH = 4_096;

/** Longest hash chain: 2^20 ticks × 64 KiB = 64 GiB per chain; renewed by a voucher with a new anchor. */
export const MAX_CHAIN_LENGTH = 2 ** 20;

/** Bytes in a GiB, the unit of prices (wei per GiB). */
export const GIB = 2 ** 30;

/** Ticks a payee may find missing before a preimage (each costs one hash): tolerates a few lost
 * messages around a reconnect without letting a peer make the payee hash without bound. */
export const TICK_MAX_GAP = 8;

/** Most ticks one `ticks` message may pay (the payee hashes that many times to check it): 256 ticks =
 * 16 MiB, ≈ 0.3 ms of hashing, so a forged message costs the payee little; a payer batches far fewer. */
export const MAX_TICKS_PER_MESSAGE = 256;

/** Session bytes (both directions) between two receipt checkpoints: 64 MiB, two checkpoint vouchers. One
 * signature each side and a 198-byte message per 64 MiB cost nothing measurable; a crash loses at most
 * this much evidence (never money: the vouchers pay). */
export const RECEIPT_EVERY_BYTES = 64 * 1024 * 1024;

/** A session that moved any byte since its last checkpoint gets a new one after this long: slow sessions
 * still leave evidence every half minute. Checked once a second, never per chunk. */
export const RECEIPT_EVERY_MS = 30_000;

/** Bytes a provider serves in a session beyond what the client's latest countersigned receipt covers before
 * it ends the session (`RECEIPT_MISSING`): three checkpoints — one due, one in flight (windows, the round
 * trip), one spare — so an honest client never hits it and one that withholds or deflates receipts gets at
 * most this much unreceipted service. */
export const RECEIPT_MAX_UNCOVERED_BYTES = 3 * RECEIPT_EVERY_BYTES;

/**
 * What a provider countersigns per session: proposals spend a token each from a bucket of
 * `RECEIPT_BURST` that refills one per second and one per half checkpoint of new bytes, and one proposal
 * at a time (the next only after the last was answered). An honest client proposes once per 64 MiB, per
 * 30 s or at its close and has one out at a time; a client proposing in a loop to make the provider verify,
 * sign and store is ended (`RECEIPT_FLOOD`) after the burst.
 */
export const RECEIPT_BURST = 8;

/** Clock difference tolerated between the two sides' receipt times (seconds). */
export const RECEIPT_CLOCK_SKEW_S = 120n;

/** How long a client closing a session waits for the provider's countersignature of the final receipt. */
export const RECEIPT_FINAL_TIMEOUT_MS = 2_000;
