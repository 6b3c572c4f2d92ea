/**
 * The witness of circuits/poolSpend.circom for spending `note` (leaf `leafIndex` of `tree`) into a channel:
 * `amount` paid out, the rest in `change` (a fresh note whose value this sets), bound to `binding`.
 */
import type { LeanIMT } from '@zk-kit/lean-imt';
import { POOL_VALUE_BITS } from './constants.ts';
import { type Note, noteCommitment, noteKey, nullifierHash } from './note.ts';
import { merklePath } from './poolTree.ts';

export type SpendInputParameters = {
  tree: LeanIMT<bigint>;
  leafIndex: number;
  note: Note;
  amount: bigint;
  /** Keys of the change note (its value is set to `note.value - amount`). */
  change: Pick<Note, 'nullifierKey' | 'secret'>;
  binding: bigint;
};

export type SpendInput = {
  /** The circuit input (snarkjs `fullProve`). */
  input: Record<string, bigint | bigint[]>;
  root: bigint;
  nullifierHash: bigint;
  changeNote: Note;
  changeCommitment: bigint;
};

export function spendInput({ tree, leafIndex, note, amount, change, binding }: SpendInputParameters): SpendInput {
  if (amount <= 0n || amount > note.value) throw new RangeError(`cannot pay ${amount} from a note of ${note.value}`);
  if (note.value >= 1n << BigInt(POOL_VALUE_BITS)) throw new RangeError('note value over 2^96');
  if (tree.leaves[leafIndex] !== noteCommitment(note)) throw new RangeError(`leaf ${leafIndex} is not this note`);
  const path = merklePath(tree, leafIndex);
  const changeNote: Note = { ...change, value: note.value - amount };
  const changeCommitment = noteCommitment(changeNote);
  const nullifier = nullifierHash(note);
  return {
    input: {
      root: path.root,
      nullifierHash: nullifier,
      amount,
      changeCommitment,
      binding,
      value: note.value,
      nullifierKey: note.nullifierKey,
      secret: note.secret,
      treeDepth: path.treeDepth,
      leafIndex: path.leafIndex,
      siblings: path.siblings,
      changeKey: noteKey(change),
    },
    root: path.root,
    nullifierHash: nullifier,
    changeNote,
    changeCommitment,
  };
}
