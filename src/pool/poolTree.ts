/**
 * The pool's Lean IMT (Poseidon, as `@zk-kit/lean-imt.sol` builds it on chain), rebuilt from the commitments in
 * the order the pool appended them (its `NoteCommitted` events), and the Merkle path a spend proof needs.
 */
import { LeanIMT } from '@zk-kit/lean-imt';
import { poseidon2 } from 'poseidon-lite';
import { POOL_TREE_DEPTH } from './constants.ts';

export function poolTree(commitments: readonly bigint[] = []): LeanIMT<bigint> {
  const tree = new LeanIMT<bigint>((a, b) => poseidon2([a, b]));
  if (commitments.length > 0) tree.insertMany([...commitments]);
  return tree;
}

export type MerklePath = { root: bigint; treeDepth: bigint; leafIndex: bigint; siblings: bigint[] };

/** The path of leaf `index` as the circuit takes it (siblings padded with zeros to `POOL_TREE_DEPTH`). */
export function merklePath(tree: LeanIMT<bigint>, index: number): MerklePath {
  const proof = tree.generateProof(index);
  const siblings = [...proof.siblings];
  if (siblings.length > POOL_TREE_DEPTH) throw new RangeError(`the pool tree is deeper than ${POOL_TREE_DEPTH}`);
  while (siblings.length < POOL_TREE_DEPTH) siblings.push(0n);
  return {
    root: proof.root,
    treeDepth: BigInt(proof.siblings.length),
    leafIndex: BigInt(proof.index),
    siblings,
  };
}
