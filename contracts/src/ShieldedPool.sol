// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";
import {InternalLeanIMT, LeanIMTData} from "@zk-kit/lean-imt.sol/InternalLeanIMT.sol";
import {SNARK_SCALAR_FIELD} from "@zk-kit/lean-imt.sol/Constants.sol";
import {PoseidonT3} from "poseidon-solidity/PoseidonT3.sol";
import {PaymentChannels} from "./PaymentChannels.sol";
import {IChannelRefundReceiver} from "./interfaces/IChannelRefundReceiver.sol";
import {PoolSpendVerifier} from "./verifiers/PoolSpendVerifier.sol";

/**
 * @title ShieldedPool
 * @notice Pays for payment channels without linking them to the wallet that paid. A client deposits RBT in
 * fixed denominations under a note; later it funds a channel for a fresh one-time payer key with a Groth16
 * proof (circuits/poolSpend.circom) that it owns some unspent note of the pool, without saying which.
 *
 * Notes. A note is (value, nullifierKey, secret); its public key is `noteKey = Poseidon(nullifierKey, secret)`
 * and its commitment — a leaf of the pool's Lean IMT — is `Poseidon(value, noteKey)`. The pool computes the
 * commitment of every deposit and refund itself from a `noteKey` and the amount it received, so a leaf's value
 * is always what was paid in; only change leaves come from the prover, whose proof shows value conservation.
 *
 * Spending ({fundChannel}): the proof shows a leaf under a recent root, reveals `nullifierHash =
 * Poseidon(nullifierKey)` (spent once), pays `amount` and leaves the rest in a change leaf. Its public `binding`
 * is {bindingOf} the channel request (payer key, payee, amount, premium, refund key) and this chain, pool and
 * PaymentChannels: a proof seen in the mempool cannot be replayed for other parameters, so anyone — the
 * provider — may submit it and a fresh payer key needs no gas.
 *
 * Refunds. A funded channel's unspent rest comes back through {onChannelRefund}: the pool fixes the leaf
 * `Poseidon(refund, refundKey)` — `refundKey` a note key the client chose at funding time — and appends it on the
 * next pool transaction (or {commitRefunds}). The owner reads the amount in {RefundQueued} and spends the note
 * like any other. (The insertion is deferred because PaymentChannels gives the callback 100k gas, less
 * than a deep tree insertion costs.)
 *
 * Solvency: `liabilities` (deposits + refunds − payouts) is the sum of the values of all unspent notes, and the
 * pool's RBT balance is never below it (invariant-tested in ShieldedPool.invariant.t.sol).
 *
 * Anonymity: a deposit hides among the deposits of its denomination; a spend's amount is public, so spending a
 * note whole reveals its value class. See docs/privacy.md.
 */
contract ShieldedPool is IChannelRefundReceiver {
    using InternalLeanIMT for LeanIMTData;

    // ─────────────────────────────────────────────── types ───────────────────────────────────────

    /// @notice The channel a spend funds. `refundKey` is the note key of the refund note.
    struct ChannelRequest {
        address payer;
        address payee;
        uint256 amount;
        uint256 premiumBps;
        uint256 refundKey;
    }

    /// @notice A Groth16 proof of circuits/poolSpend.circom in the verifier's form, with its public signals
    /// except `amount` (from the request) and `binding` (computed here).
    struct SpendProof {
        uint256[2] pA;
        uint256[2][2] pB;
        uint256[2] pC;
        uint256 root;
        uint256 nullifierHash;
        uint256 changeCommitment;
    }

    // ─────────────────────────────────────────────── errors ──────────────────────────────────────

    error ZeroAddress();
    error NotADenomination(uint256 amount);
    error InvalidNoteKey(uint256 noteKey);
    error UnknownRoot(uint256 root);
    error NullifierSpent(uint256 nullifierHash);
    error InvalidProof();
    error NotPaymentChannels(address caller);

    // ─────────────────────────────────────────────── events ──────────────────────────────────────

    /// @notice A leaf was appended (deposit, change or refund), in tree order: the tree is rebuilt from these.
    event NoteCommitted(uint256 indexed commitment, uint256 index, uint256 root);
    event Deposited(uint256 indexed commitment, uint256 denomination);
    event ChannelFunded(bytes32 indexed channelId, uint256 indexed nullifierHash, uint256 amount, uint256 refundKey);
    /// @notice A channel's refund will be the note `commitment = Poseidon(refund, refundKey)`, appended (with
    /// {NoteCommitted}) by the next deposit, spend or {commitRefunds}.
    event RefundQueued(bytes32 indexed channelId, uint256 commitment, uint256 refund);
    /// @notice A queued refund commitment was already a leaf: its owner holds that equal note instead.
    event RefundSkipped(uint256 commitment);

    // ─────────────────────────────────────────────── constants ───────────────────────────────────

    /// @notice A proof may name any of the last `ROOT_HISTORY` roots: a spend proven against a root stays
    /// valid while up to that many leaves are appended before it lands.
    uint256 public constant ROOT_HISTORY = 100;

    /// @notice The circuit's tree depth (circuits/poolSpend.circom, MAX_DEPTH): 2^20 leaves.
    uint256 public constant MAX_LEAVES = 1 << 20;

    /// @notice Queued refunds committed by each deposit or spend (bounded: the caller pays for them).
    uint256 public constant REFUNDS_PER_CALL = 1;

    // ─────────────────────────────────────────────── storage ─────────────────────────────────────

    IERC20 private immutable _token;
    PaymentChannels private immutable _channels;
    PoolSpendVerifier private immutable _verifier;
    uint256 private immutable _denomination0;
    uint256 private immutable _denomination1;
    uint256 private immutable _denomination2;

    LeanIMTData private _tree;
    /// @dev Tree size (1-based) at which a root was current; 0 = never a root.
    mapping(uint256 root => uint256 size) private _rootSize;
    mapping(uint256 nullifierHash => bool) private _spent;
    /// @dev Refund note key of a channel the pool funded, until its refund is queued.
    mapping(bytes32 channelId => uint256) private _refundKeys;
    /// @dev FIFO of refund commitments waiting for insertion: [_queueHead, _queueTail).
    mapping(uint256 => uint256) private _queue;
    uint256 private _queueHead;
    uint256 private _queueTail;
    /// @dev The sum of the values of all unspent notes plus queued refunds.
    uint256 private _liabilities;

    // ─────────────────────────────────────────────── constructor ─────────────────────────────────

    /// @param denominations_ The three deposit sizes (e.g. 1, 10 and 100 RBT), each a separate anonymity set.
    constructor(IERC20 token_, PaymentChannels channels_, PoolSpendVerifier verifier_, uint256[3] memory denominations_)
    {
        if (address(token_) == address(0) || address(channels_) == address(0) || address(verifier_) == address(0)) {
            revert ZeroAddress();
        }
        _token = token_;
        _channels = channels_;
        _verifier = verifier_;
        _denomination0 = denominations_[0];
        _denomination1 = denominations_[1];
        _denomination2 = denominations_[2];
        SafeTransferLib.safeApprove(address(token_), address(channels_), type(uint256).max);
    }

    // ─────────────────────────────────────────────── deposits ────────────────────────────────────

    /**
     * @notice Deposits `denomination` RBT (an allowance) as the note `Poseidon(denomination, noteKey)`.
     * @param noteKey `Poseidon(nullifierKey, secret)` of a fresh note; reveals nothing of either.
     */
    function deposit(uint256 noteKey, uint256 denomination) external returns (uint256 commitment) {
        if (!isDenomination(denomination)) revert NotADenomination(denomination);
        if (noteKey == 0 || noteKey >= SNARK_SCALAR_FIELD) revert InvalidNoteKey(noteKey);
        commitment = PoseidonT3.hash([denomination, noteKey]);
        _liabilities += denomination;
        _append(commitment);
        emit Deposited(commitment, denomination);
        _commitQueuedRefunds(REFUNDS_PER_CALL);
        SafeTransferLib.safeTransferFrom(address(_token), msg.sender, address(this), denomination);
    }

    // ─────────────────────────────────────────────── spends ──────────────────────────────────────

    /**
     * @notice Funds the channel `request` from a note: verifies the spend proof, marks its nullifier, appends
     * its change note and opens the channel with {PaymentChannels.openFor} (funder and refund receiver: this
     * pool). Anyone may call: the proof is bound to `request`, this chain and these contracts.
     */
    function fundChannel(SpendProof calldata spend, ChannelRequest calldata request) external returns (bytes32 id) {
        if (!isKnownRoot(spend.root)) revert UnknownRoot(spend.root);
        if (_spent[spend.nullifierHash]) revert NullifierSpent(spend.nullifierHash);
        if (request.refundKey == 0 || request.refundKey >= SNARK_SCALAR_FIELD) revert InvalidNoteKey(request.refundKey);
        uint256[5] memory signals =
            [spend.root, spend.nullifierHash, request.amount, spend.changeCommitment, bindingOf(request)];
        if (!_verifier.verifyProof(spend.pA, spend.pB, spend.pC, signals)) revert InvalidProof();
        _spent[spend.nullifierHash] = true;
        // The proof shows amount <= the note's value, which `_liabilities` counts.
        _liabilities -= request.amount;
        _append(spend.changeCommitment);
        id = _channels.openFor(request.payer, request.payee, request.amount, request.premiumBps, address(this));
        _refundKeys[id] = request.refundKey;
        emit ChannelFunded(id, spend.nullifierHash, request.amount, request.refundKey);
        _commitQueuedRefunds(REFUNDS_PER_CALL);
    }

    // ─────────────────────────────────────────────── refunds ─────────────────────────────────────

    /// @notice PaymentChannels hands back a pool-funded channel's unspent rest (already transferred): its note
    /// commitment is fixed now and queued for insertion (this call has 100k gas, an insertion may need more).
    function onChannelRefund(bytes32 id, uint256 refund) external {
        if (msg.sender != address(_channels)) revert NotPaymentChannels(msg.sender);
        uint256 refundKey = _refundKeys[id];
        // Not a channel of this pool, or nothing left: any tokens stay as surplus (never counted, never owed).
        if (refundKey == 0 || refund == 0) return;
        delete _refundKeys[id];
        uint256 commitment = PoseidonT3.hash([refund, refundKey]);
        _queue[_queueTail++] = commitment;
        _liabilities += refund;
        emit RefundQueued(id, commitment, refund);
    }

    /// @notice Turns up to `count` queued refunds into notes. Anyone may call (the owner need not).
    function commitRefunds(uint256 count) external {
        _commitQueuedRefunds(count);
    }

    // ─────────────────────────────────────────────── views ───────────────────────────────────────

    /// @notice The public input that binds a spend proof to `request` on this chain, pool and PaymentChannels.
    function bindingOf(ChannelRequest calldata request) public view returns (uint256) {
        return uint256(
            keccak256(
                abi.encode(
                    block.chainid,
                    address(this),
                    address(_channels),
                    request.payer,
                    request.payee,
                    request.amount,
                    request.premiumBps,
                    request.refundKey
                )
            )
        ) % SNARK_SCALAR_FIELD;
    }

    /// @notice True for the current root and the `ROOT_HISTORY` - 1 before it.
    function isKnownRoot(uint256 root_) public view returns (bool) {
        uint256 sizeThen = _rootSize[root_];
        return sizeThen != 0 && _tree.size - sizeThen < ROOT_HISTORY;
    }

    function isDenomination(uint256 amount) public view returns (bool) {
        return amount == _denomination0 || amount == _denomination1 || amount == _denomination2;
    }

    function denominations() external view returns (uint256[3] memory) {
        return [_denomination0, _denomination1, _denomination2];
    }

    function isSpent(uint256 nullifierHash) external view returns (bool) {
        return _spent[nullifierHash];
    }

    function root() external view returns (uint256) {
        return _tree._root();
    }

    function size() external view returns (uint256) {
        return _tree.size;
    }

    /// @notice The sum of all unspent notes' values and queued refunds: what the pool owes.
    function liabilities() external view returns (uint256) {
        return _liabilities;
    }

    /// @notice Refunds received but not yet notes.
    function queuedRefunds() external view returns (uint256) {
        return _queueTail - _queueHead;
    }

    function token() external view returns (IERC20) {
        return _token;
    }

    function channels() external view returns (PaymentChannels) {
        return _channels;
    }

    function verifier() external view returns (PoolSpendVerifier) {
        return _verifier;
    }

    // ─────────────────────────────────────────────── internal ────────────────────────────────────

    function _append(uint256 commitment) internal {
        uint256 index = _tree.size;
        // The circuit proves membership in trees of at most MAX_LEAVES leaves; past that a note is unspendable.
        if (index >= MAX_LEAVES) revert InvalidNoteKey(commitment);
        uint256 newRoot = _tree._insert(commitment);
        _rootSize[newRoot] = index + 1;
        emit NoteCommitted(commitment, index, newRoot);
    }

    function _commitQueuedRefunds(uint256 count) internal {
        uint256 head = _queueHead;
        uint256 end = _queueTail;
        if (end - head > count) end = head + count;
        for (; head < end; ++head) {
            uint256 commitment = _queue[head];
            delete _queue[head];
            // Someone appended this very commitment first (paying its value in): the owner of the refund key
            // already holds an equal note, and the refund is surplus. Otherwise the refund note is appended.
            if (_tree._has(commitment)) emit RefundSkipped(commitment);
            else _append(commitment);
        }
        _queueHead = head;
    }
}
