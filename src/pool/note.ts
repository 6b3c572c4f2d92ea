/**
 * Notes of the shielded pool. A note is `(value, nullifierKey, secret)`; its public key is
 * `noteKey = Poseidon(nullifierKey, secret)`, its commitment (the tree leaf) `Poseidon(value, noteKey)` and its
 * nullifier hash, revealed when it is spent, `Poseidon(nullifierKey)`. Knowing the note is owning it: keep it
 * secret (the wallet encrypts notes at rest, see `PoolWallet`).
 */
import { randomBytes } from 'node:crypto';
import { poseidon1, poseidon2 } from 'poseidon-lite';
import { SNARK_SCALAR_FIELD } from './constants.ts';

export type Note = {
  /** RBT wei. */
  value: bigint;
  nullifierKey: bigint;
  secret: bigint;
};

/** A uniformly random non-zero field element (248 random bits, so no modular bias and never ≥ p). */
export function randomFieldElement(): bigint {
  for (;;) {
    const x = BigInt(`0x${randomBytes(31).toString('hex')}`);
    if (x !== 0n && x < SNARK_SCALAR_FIELD) return x;
  }
}

/** A fresh note of `value` (0 for a key whose value is not known yet: a refund note). */
export function createNote(value: bigint): Note {
  return { value, nullifierKey: randomFieldElement(), secret: randomFieldElement() };
}

export function noteKey(note: Pick<Note, 'nullifierKey' | 'secret'>): bigint {
  return poseidon2([note.nullifierKey, note.secret]);
}

export function noteCommitment(note: Note): bigint {
  return poseidon2([note.value, noteKey(note)]);
}

/** The commitment of a note from its public key (what the pool computes for deposits and refunds). */
export function commitmentOf(value: bigint, key: bigint): bigint {
  return poseidon2([value, key]);
}

export function nullifierHash(note: Pick<Note, 'nullifierKey'>): bigint {
  return poseidon1([note.nullifierKey]);
}
