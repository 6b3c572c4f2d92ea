pragma circom 2.1.5;

// Shielded pool spend: a 1-in/1-out join-split over the pool's Lean IMT of note commitments.
//
// A note is (value, nullifierKey, secret). Its public key is noteKey = Poseidon(nullifierKey, secret) and its
// commitment, the tree leaf, is Poseidon(value, noteKey): the pool computes deposit and refund leaves itself
// from a published noteKey and a public amount, so a leaf's value is always what the pool received.
//
// The proof says: "I know a note in the tree with this root, whose nullifier hash is nullifierHash; `amount` of
// it pays out and the rest, change = value - amount (both < 2^VALUE_BITS, so nothing wraps modulo p), is the
// value of changeCommitment = Poseidon(change, changeKey)". `binding` is a public input the circuit only
// carries: the contract sets it to a hash of the channel's parameters, so changing any of them breaks the proof.

include "poseidon.circom";
include "bitify.circom";
include "binary-merkle-root.circom";

template PoolSpend(MAX_DEPTH, VALUE_BITS) {
    // Public (in this order in the proof's public signals).
    signal input root;
    signal input nullifierHash;
    signal input amount;
    signal input changeCommitment;
    signal input binding;

    // Private.
    signal input value;
    signal input nullifierKey;
    signal input secret;
    signal input treeDepth;
    signal input leafIndex;
    signal input siblings[MAX_DEPTH];
    signal input changeKey;

    signal noteKey <== Poseidon(2)([nullifierKey, secret]);
    signal leaf <== Poseidon(2)([value, noteKey]);

    signal indices[MAX_DEPTH] <== Num2Bits(MAX_DEPTH)(leafIndex);
    signal computedRoot <== BinaryMerkleRoot(MAX_DEPTH)(leaf, treeDepth, indices, siblings);
    root === computedRoot;

    signal computedNullifierHash <== Poseidon(1)([nullifierKey]);
    nullifierHash === computedNullifierHash;

    signal change <== value - amount;
    signal amountBits[VALUE_BITS] <== Num2Bits(VALUE_BITS)(amount);
    signal changeBits[VALUE_BITS] <== Num2Bits(VALUE_BITS)(change);
    signal computedChange <== Poseidon(2)([change, changeKey]);
    changeCommitment === computedChange;

    // Keeps `binding` in the constraint system (an unused public input could be altered freely).
    signal bindingSquare <== binding * binding;
}

component main {public [root, nullifierHash, amount, changeCommitment, binding]} = PoolSpend(20, 96);
