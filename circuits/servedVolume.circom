pragma circom 2.1.5;

// Served volume: a provider proves the sums of bytes and value of up to N volume receipts its payers
// signed for one epoch, without naming the channels. Each slot is empty (enabled = 0: adds nothing,
// nullifier 0) or a receipt whose channel key is a leaf of VolumeLedger's channel tree:
//   leaf    = Poseidon(channelId, payee, deposit, pubX, pubY)      (registered by the channel's payer)
//   message = Poseidon(channelId, epoch, bytes, value)             (EdDSA-Poseidon, signed by pubX/pubY)
// and payee = provider (public), value <= deposit, epoch = E (public), slots name distinct channels.
// Each slot's nullifier Poseidon(channelId, providerSecret) lets the chain count a channel once across
// all claims and epochs, while nobody without providerSecret can tell which registered channel it names;
// Poseidon(providerSecret) = providerKey is the key the provider committed on chain.
// Public signals, in snarkjs order: nullifiers[N], totalBytes, totalValue, epoch, root, provider, providerKey.

include "poseidon.circom";
include "eddsaposeidon.circom";
include "comparators.circom";
include "bitify.circom";
include "binary-merkle-root.circom";

// One slot: every check is scaled by `enabled`, so an empty slot (all zeros) passes and adds nothing.
template VolumeSlot(MAX_DEPTH) {
    signal input enabled;
    signal input epoch, root, provider, providerSecret;
    signal input channelId, deposit, pubX, pubY, bytes, value;
    signal input S, R8x, R8y;
    signal input leafIndex, depth, siblings[MAX_DEPTH];
    signal output nullifier, countedBytes, countedValue;

    enabled * (enabled - 1) === 0;

    // Range: bytes in 64 bits, value and deposit in 96 (deposits are uint80 on chain), so sums cannot wrap.
    component bytesBits = Num2Bits(64);
    bytesBits.in <== bytes;
    component valueBits = Num2Bits(96);
    valueBits.in <== value;
    component depositBits = Num2Bits(96);
    depositBits.in <== deposit;
    component withinDeposit = LessEqThan(96);
    withinDeposit.in[0] <== value;
    withinDeposit.in[1] <== deposit;
    (1 - withinDeposit.out) * enabled === 0;

    // Membership of the channel's key, with the provider as payee.
    component leaf = Poseidon(5);
    leaf.inputs[0] <== channelId;
    leaf.inputs[1] <== provider;
    leaf.inputs[2] <== deposit;
    leaf.inputs[3] <== pubX;
    leaf.inputs[4] <== pubY;
    component indexBits = Num2Bits(MAX_DEPTH);
    indexBits.in <== leafIndex;
    component merkle = BinaryMerkleRoot(MAX_DEPTH);
    merkle.leaf <== leaf.out;
    merkle.depth <== depth;
    merkle.indices <== indexBits.out;
    merkle.siblings <== siblings;
    (merkle.out - root) * enabled === 0;

    // The payer's signature over this epoch's cumulative receipt.
    component message = Poseidon(4);
    message.inputs[0] <== channelId;
    message.inputs[1] <== epoch;
    message.inputs[2] <== bytes;
    message.inputs[3] <== value;
    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== enabled;
    signature.Ax <== pubX;
    signature.Ay <== pubY;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== message.out;

    component nullifierHash = Poseidon(2);
    nullifierHash.inputs[0] <== channelId;
    nullifierHash.inputs[1] <== providerSecret;
    nullifier <== nullifierHash.out * enabled;
    countedBytes <== bytes * enabled;
    countedValue <== value * enabled;
}

template ServedVolume(N, MAX_DEPTH) {
    signal input epoch, root, provider, providerKey;
    signal input providerSecret;
    signal input enabled[N], channelId[N], deposit[N], pubX[N], pubY[N], bytes[N], value[N];
    signal input S[N], R8x[N], R8y[N];
    signal input leafIndex[N], depth[N], siblings[N][MAX_DEPTH];
    signal output nullifiers[N];
    signal output totalBytes, totalValue;

    component key = Poseidon(1);
    key.inputs[0] <== providerSecret;
    key.out === providerKey;

    component slots[N];
    var sumBytes = 0;
    var sumValue = 0;
    for (var i = 0; i < N; i++) {
        slots[i] = VolumeSlot(MAX_DEPTH);
        slots[i].enabled <== enabled[i];
        slots[i].epoch <== epoch;
        slots[i].root <== root;
        slots[i].provider <== provider;
        slots[i].providerSecret <== providerSecret;
        slots[i].channelId <== channelId[i];
        slots[i].deposit <== deposit[i];
        slots[i].pubX <== pubX[i];
        slots[i].pubY <== pubY[i];
        slots[i].bytes <== bytes[i];
        slots[i].value <== value[i];
        slots[i].S <== S[i];
        slots[i].R8x <== R8x[i];
        slots[i].R8y <== R8y[i];
        slots[i].leafIndex <== leafIndex[i];
        slots[i].depth <== depth[i];
        slots[i].siblings <== siblings[i];
        nullifiers[i] <== slots[i].nullifier;
        sumBytes += slots[i].countedBytes;
        sumValue += slots[i].countedValue;
    }
    totalBytes <== sumBytes;
    totalValue <== sumValue;

    // Distinct channels: two enabled slots never name the same channel (the chain refuses a repeated
    // nullifier too; this makes such a claim unprovable).
    component same[N * (N - 1) / 2];
    signal both[N * (N - 1) / 2];
    var k = 0;
    for (var i = 0; i < N; i++) {
        for (var j = i + 1; j < N; j++) {
            same[k] = IsZero();
            same[k].in <== channelId[i] - channelId[j];
            both[k] <== enabled[i] * enabled[j];
            same[k].out * both[k] === 0;
            k++;
        }
    }
}

component main {public [epoch, root, provider, providerKey]} = ServedVolume(3, 20);
