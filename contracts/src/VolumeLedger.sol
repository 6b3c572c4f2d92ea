// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {InternalLeanIMT, LeanIMTData} from "@zk-kit/lean-imt.sol/InternalLeanIMT.sol";
import {PoseidonT6} from "poseidon-solidity/PoseidonT6.sol";
import {PaymentChannels} from "./PaymentChannels.sol";

/// @notice The Groth16 verifier `node scripts/zk.ts build servedVolume` generates.
interface IServedVolumeVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[9] calldata pubSignals
    ) external view returns (bool);
}

/**
 * @title VolumeLedger
 * @notice Served volume per provider and epoch, proven in zero knowledge (circuits/servedVolume.circom).
 *
 * A channel's payer binds a BabyJubJub key to its channel ({registerChannel}, EIP-712 signed by the payer, so
 * anyone may submit it): the leaf `Poseidon(channelId mod p, payee, deposit, pubX, pubY)` joins a Poseidon
 * Lean IMT whose every root stays valid (a proof against an older root proves a registration that happened).
 * The payer then signs EdDSA-Poseidon volume receipts `Poseidon(channelId mod p, epoch, bytes, value)`.
 * A provider that committed `Poseidon(secret)` ({registerProviderKey}) proves, for up to {SLOTS} receipts of one
 * epoch, that each is signed by a key registered for a channel paying it, with `value <= deposit`, and
 * outputs the sums and one nullifier `Poseidon(channelId, secret)` per receipt. {claimVolume} verifies the
 * proof, refuses a nullifier seen before (a channel counts once, over all claims and epochs), and adds the
 * sums to {volumeOf} and {totalVolume}. Which channels a claim counts stays hidden.
 *
 * Claims are for finished epochs only, at most {claimWindow} epochs back: a receipt of the running epoch can
 * still grow, and a channel claimed early would be counted at its partial value forever (its nullifier is
 * spent); the window makes an epoch's totals final `claimWindow` epochs after it ended, which a reward
 * share by verified volume (not built) would need.
 *
 * PoseidonT3 (inside the tree) and PoseidonT6 (the leaf) are public library functions: the bytecode is
 * linked to their deployments (forge does it in tests; src/chain/deployBandex.ts deploys and links them).
 */
contract VolumeLedger is EIP712 {
    using InternalLeanIMT for LeanIMTData;

    // ─────────────────────────────────────────────── constants ───────────────────────────────────

    /// @notice EIP-712 type hash of the payer's consent to a channel key (must match src/chain/typedData.ts).
    bytes32 public constant REGISTER_CHANNEL_TYPEHASH =
        keccak256("RegisterChannelKey(bytes32 channelId,uint256 pubX,uint256 pubY)");
    /// @notice The BN254 scalar field: every circuit value lives below it.
    uint256 public constant SNARK_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Receipts per proof (the circuit's N; 3 keeps it under 2^15 constraints).
    uint256 public constant SLOTS = 3;
    /// @notice Deepest tree the circuit proves membership in (2^20 registrations).
    uint256 public constant MAX_DEPTH = 20;

    // ─────────────────────────────────────────────── errors ──────────────────────────────────────

    error ChannelNotFound(bytes32 channelId);
    error InvalidSigner(bytes32 channelId, address signer, address payer);
    error KeyOutOfField(uint256 pubX, uint256 pubY);
    error AlreadyRegistered(bytes32 channelId, uint256 registeredDeposit, uint256 deposit);
    error TreeFull(uint256 depth, uint256 maxDepth);
    error ProviderKeyAlreadySet(address provider, uint256 key);
    error InvalidProviderKey(uint256 key);
    error NoProviderKey(address provider);
    error EpochNotClaimable(uint256 epoch, uint256 currentEpoch, uint256 claimWindow);
    error UnknownRoot(uint256 root);
    error NullifierUsed(uint256 nullifier);
    error EmptyClaim();
    error InvalidProof();
    error ZeroAddress();
    error InvalidEpochLength(uint256 epochLength);

    // ─────────────────────────────────────────────── events ──────────────────────────────────────

    /// @notice A channel key joined the tree at `index`; `root` is the tree's new root.
    event ChannelRegistered(
        bytes32 indexed channelId, uint256 leaf, uint256 index, uint256 root, uint256 deposit, uint256 pubX, uint256 pubY
    );
    event ProviderKeyRegistered(address indexed provider, uint256 key);
    /// @notice A proven claim: `bytes_` and `value` were added to the provider's volume of `epoch`.
    event VolumeClaimed(address indexed provider, uint256 indexed epoch, uint256 bytes_, uint256 value, uint256 receipts);

    // ─────────────────────────────────────────────── storage ─────────────────────────────────────

    struct Volume {
        uint128 bytes_;
        uint128 value;
    }

    PaymentChannels public immutable channels;
    IServedVolumeVerifier public immutable verifier;
    /// @notice Seconds per epoch; epoch `e` is `[e * epochLength, (e + 1) * epochLength)` in block time.
    uint256 public immutable epochLength;
    /// @notice How many epochs after its end an epoch still takes claims.
    uint256 public immutable claimWindow;

    LeanIMTData private _tree;
    /// @notice Every root the tree ever had.
    mapping(uint256 root => bool) public isRoot;
    /// @notice The deposit a channel's newest registration carries (a top-up may be registered again).
    mapping(bytes32 channelId => uint256) public registeredDeposit;
    /// @notice `Poseidon(secret)` of each provider, set once.
    mapping(address provider => uint256) public providerKey;
    mapping(uint256 nullifier => bool) public nullifierUsed;
    mapping(address provider => mapping(uint256 epoch => Volume)) private _volumeOf;
    mapping(uint256 epoch => Volume) private _totalVolume;

    constructor(PaymentChannels channels_, IServedVolumeVerifier verifier_, uint256 epochLength_, uint256 claimWindow_)
        EIP712("Bandex VolumeLedger", "1")
    {
        if (address(channels_) == address(0) || address(verifier_) == address(0)) revert ZeroAddress();
        if (epochLength_ == 0) revert InvalidEpochLength(epochLength_);
        channels = channels_;
        verifier = verifier_;
        epochLength = epochLength_;
        claimWindow = claimWindow_;
    }

    // ─────────────────────────────────────────────── registration ────────────────────────────────

    /**
     * @notice Binds the BabyJubJub key (`pubX`, `pubY`) to `channelId`, with the payer's EIP-712 signature
     * over `RegisterChannelKey`. Anyone may submit it. A channel registers again only with a larger deposit
     * (after a top-up); its earlier leaf stays, and its nullifier still lets it count once.
     */
    function registerChannel(bytes32 channelId, uint256 pubX, uint256 pubY, bytes calldata signature)
        external
        returns (uint256 index)
    {
        PaymentChannels.Channel memory c = channels.getChannel(channelId);
        if (c.payer == address(0)) revert ChannelNotFound(channelId);
        if (pubX >= SNARK_FIELD || pubY >= SNARK_FIELD) revert KeyOutOfField(pubX, pubY);
        address signer = ECDSA.recover(
            _hashTypedDataV4(keccak256(abi.encode(REGISTER_CHANNEL_TYPEHASH, channelId, pubX, pubY))), signature
        );
        if (signer != c.payer) revert InvalidSigner(channelId, signer, c.payer);
        if (c.deposit <= registeredDeposit[channelId]) {
            revert AlreadyRegistered(channelId, registeredDeposit[channelId], c.deposit);
        }
        registeredDeposit[channelId] = c.deposit;
        uint256 leaf = PoseidonT6.hash(
            [uint256(channelId) % SNARK_FIELD, uint256(uint160(c.payee)), c.deposit, pubX, pubY]
        );
        index = _tree.size;
        uint256 root = _tree._insert(leaf);
        if (_tree.depth > MAX_DEPTH) revert TreeFull(_tree.depth, MAX_DEPTH);
        isRoot[root] = true;
        emit ChannelRegistered(channelId, leaf, index, root, c.deposit, pubX, pubY);
    }

    /// @notice Commits the caller's volume key `Poseidon(secret)`, once: nullifiers depend on it.
    function registerProviderKey(uint256 key) external {
        if (key == 0 || key >= SNARK_FIELD) revert InvalidProviderKey(key);
        uint256 current = providerKey[msg.sender];
        if (current != 0) revert ProviderKeyAlreadySet(msg.sender, current);
        providerKey[msg.sender] = key;
        emit ProviderKeyRegistered(msg.sender, key);
    }

    // ─────────────────────────────────────────────── claims ──────────────────────────────────────

    /**
     * @notice Adds a proven claim to `provider`'s volume of `epoch`. Anyone may submit it: the proof binds the
     * provider and its committed key, so a relayer can only submit the claim as made. `nullifiers` are the
     * proof's, 0 for an empty slot.
     * @param proof Groth16 proof as `[pA0, pA1, pB00, pB01, pB10, pB11, pC0, pC1]` (snarkjs's calldata order).
     */
    function claimVolume(
        address provider,
        uint256 epoch,
        uint256 root,
        uint256[3] calldata nullifiers,
        uint256 bytes_,
        uint256 value,
        uint256[8] calldata proof
    ) external {
        uint256 key = providerKey[provider];
        if (key == 0) revert NoProviderKey(provider);
        uint256 current = currentEpoch();
        if (epoch >= current || current - epoch > claimWindow) revert EpochNotClaimable(epoch, current, claimWindow);
        if (!isRoot[root]) revert UnknownRoot(root);
        uint256 receipts;
        for (uint256 i; i < SLOTS; ++i) {
            uint256 n = nullifiers[i];
            if (n == 0) continue;
            if (nullifierUsed[n]) revert NullifierUsed(n);
            nullifierUsed[n] = true;
            ++receipts;
        }
        if (receipts == 0) revert EmptyClaim();
        uint256[9] memory signals =
            [nullifiers[0], nullifiers[1], nullifiers[2], bytes_, value, epoch, root, uint256(uint160(provider)), key];
        bool ok = verifier.verifyProof(
            [proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], signals
        );
        if (!ok) revert InvalidProof();
        // The circuit bounds bytes to 64 bits and value to 96 per receipt: the sums fit 128 bits.
        Volume storage mine = _volumeOf[provider][epoch];
        mine.bytes_ += uint128(bytes_);
        mine.value += uint128(value);
        Volume storage all = _totalVolume[epoch];
        all.bytes_ += uint128(bytes_);
        all.value += uint128(value);
        emit VolumeClaimed(provider, epoch, bytes_, value, receipts);
    }

    // ─────────────────────────────────────────────── views ───────────────────────────────────────

    function currentEpoch() public view returns (uint256) {
        return block.timestamp / epochLength;
    }

    /// @notice The proven volume of `provider` in `epoch`.
    function volumeOf(address provider, uint256 epoch) external view returns (uint256 bytes_, uint256 value) {
        Volume memory v = _volumeOf[provider][epoch];
        return (v.bytes_, v.value);
    }

    /// @notice The proven volume of every provider in `epoch`.
    function totalVolume(uint256 epoch) external view returns (uint256 bytes_, uint256 value) {
        Volume memory v = _totalVolume[epoch];
        return (v.bytes_, v.value);
    }

    /// @notice The channel tree's root, size and depth.
    function tree() external view returns (uint256 root, uint256 size, uint256 depth) {
        return (_tree._root(), _tree.size, _tree.depth);
    }

    /// @notice The EIP-712 digest a payer signs in {registerChannel}.
    function registerChannelDigest(bytes32 channelId, uint256 pubX, uint256 pubY) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(REGISTER_CHANNEL_TYPEHASH, channelId, pubX, pubY)));
    }
}
