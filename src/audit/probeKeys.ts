/**
 * The auditor's probe payer keys (pure): probes pay through channels of keys that cannot be linked to
 * the auditor's registered address, and a restarted auditor recovers every one of them from its own
 * key alone. A secret seed is the keccak of the auditor's deterministic (RFC 6979) signature over a
 * fixed label and the chain id (`probeSeedMessage`); each probe key is the keccak of the seed, a domain
 * label, the key generation, the provider and the purpose, retried with a counter in the negligible
 * case that it is not a valid secp256k1 scalar. Without the auditor's key nobody can compute the seed,
 * so a probe address says nothing about which auditor (if any) holds it.
 *
 * One key per provider and period, and per purpose: a payer never holds channels to two providers (a
 * payer with a channel to every provider would be an auditor on chain). A canary key serves one epoch:
 * the epoch's audit report names it (so the provider can dispute a slash with that payer's receipt), and
 * a key named once must never pay a probe again. The capacity push, recognisable by design (docs/audit.md
 * "Limits") and named in no report, pays from a key of its own that lasts `PROBE_KEY_EPOCHS` epochs, so
 * what it reveals does not tag the canary sessions and it is funded once a day, not once an epoch.
 */
import { type Address, encodeAbiParameters, type Hex, hexToBigInt, keccak256, numberToHex } from 'viem';

/** Epochs one capacity key lasts: a day on a real network (1 h epochs), 8 min on the devnet. */
export const PROBE_KEY_EPOCHS = 24;
/** Domain label of every probe key: a different label can never derive the same key. */
const PROBE_KEY_LABEL = 'bandex/probe-key/v1';
/** The secp256k1 group order: a private key is an integer in [1, n − 1]. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** What a probe session is for: `canary` (canaries and customer-like traffic) or `capacity` (the slot push). */
export type ProbePurpose = 'canary' | 'capacity';

/** The message whose signature by the auditor's key seeds its probe keys on `chainId`. */
export function probeSeedMessage(chainId: number): string {
  return `Bandex probe key seed v1 (chain ${chainId}). Signing this reveals every probe key of this auditor.`;
}

/** The seed from the auditor's signature of `probeSeedMessage` (deterministic, so the same after a restart). */
export function probeSeed(signature: Hex): Hex {
  return keccak256(signature);
}

/** The key period of `purpose` in `epoch`: the epoch itself for canaries, its day for the capacity push. */
export function probeKeyPeriod(epoch: number, purpose: ProbePurpose): number {
  return purpose === 'canary' ? epoch : Math.floor(epoch / PROBE_KEY_EPOCHS);
}

/** The last epoch the key of `period` and `purpose` pays for. */
export function lastEpochOf(period: number, purpose: ProbePurpose): number {
  return purpose === 'canary' ? period : (period + 1) * PROBE_KEY_EPOCHS - 1;
}

/** The private key paying for `purpose` sessions to `provider` in key period `period` (`probeKeyPeriod`). */
export function probeKey(seed: Hex, period: number, provider: Address, purpose: ProbePurpose): Hex {
  for (let counter = 0; ; counter++) {
    const scalar = hexToBigInt(
      keccak256(
        encodeAbiParameters(
          [
            { type: 'string' },
            { type: 'bytes32' },
            { type: 'uint64' },
            { type: 'address' },
            { type: 'string' },
            { type: 'uint32' },
          ],
          [PROBE_KEY_LABEL, seed, BigInt(period), provider, purpose, counter],
        ),
      ),
    );
    if (scalar > 0n && scalar < SECP256K1_N) return numberToHex(scalar, { size: 32 });
  }
}
