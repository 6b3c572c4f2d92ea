/**
 * Shapes of the served-volume circuit (`circuits/servedVolume.circom`); they must match its `main`.
 * Measured with circom2 --O2: one slot (membership at depth 20, EdDSA-Poseidon, range checks) is about
 * 10.4k constraints, so 3 slots are 31,296 constraints — under 2^15, the smallest powers-of-tau that
 * fits, which keeps the development ceremony and the proving key small. 4 slots at depth 16 were 37.7k.
 */

/** Receipts one proof carries (empty slots add nothing). */
export const VOLUME_SLOTS = 3;
/** Depth of the channel tree the circuit can prove membership in: 2^20 ≈ 1M channel registrations. */
export const VOLUME_TREE_DEPTH = 20;
/** The BN254 scalar field: every circuit value is taken modulo this prime. */
export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** Largest `bytes` of a volume receipt (the circuit range-checks 64 bits). */
export const MAX_VOLUME_BYTES = 2n ** 64n - 1n;
/** Largest `value` (96 bits in the circuit; channel deposits are uint80 on chain). */
export const MAX_VOLUME_VALUE = 2n ** 96n - 1n;
