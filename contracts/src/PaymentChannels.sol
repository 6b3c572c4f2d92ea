// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IChannelRefundReceiver} from "./interfaces/IChannelRefundReceiver.sol";

/**
 * @title PaymentChannels
 * @notice Unidirectional payer -> payee payment channels in the Bandex token (RBT).
 *
 * A payer locks a deposit; the payer signs EIP-712 `Voucher`s for the cumulative amount owed,
 * optionally committing to the head (`tickAnchor`) of a SHA-256 hash chain whose preimages are
 * per-tick payments of `tickValue` each. Anyone may redeem a voucher; the funds always go to the
 * payee. The channel stays open after a redeem. A channel ends either cooperatively (the payer
 * submits the payee's signed `CloseChannel` consent) or unilaterally (the payer starts a challenge
 * period during which vouchers can still be redeemed, then anyone settles).
 *
 * Protocol fee: `feeBps` (hard-capped at {MAX_FEE_BPS}) of every redeemed amount. The fee rate and
 * the challenge period are snapshotted into the channel when it opens (terms are fixed for the
 * channel's lifetime). The fee of a channel is `redeemed * feeBps / 10_000` on the cumulative
 * redeemed amount; it is withheld from the payee at each redeem and credited to {accruedFees} when
 * the channel closes, then anyone may {sweepFees} to the treasury.
 *
 * Priority premium: a payer may open a channel with `premiumBps` (the payer pays price × (1 + premiumBps /
 * 10_000)). A governance-set share `premiumBurnBps` of the premium part is burned (sent to the burn sink, the
 * bonding curve, which absorbs it). Both are snapshotted at open. Of a cumulative amount `x`:
 * `burned(x) = ⌊⌊x · p / (10_000 + p)⌋ · b / 10_000⌋`, `fee(x) = ⌊(x − burned(x)) · feeBps / 10_000⌋` (the fee
 * applies after the burn), the payee gets `x − burned(x) − fee(x)`; each redemption pays the increase. Burned
 * shares are booked with the fees when the channel closes and leave with {sweepBurn}.
 *
 * Funded for another key: {openFor} lets anyone (a wallet, or the shielded pool) fund a channel whose voucher
 * signer is a different, often one-time, `payer` key, with the unspent rest going to `refundTo` (told through
 * {IChannelRefundReceiver} when it is a contract). Such a key holds no gas: {cooperativeCloseSigned} and
 * {startCloseSigned} take its signature instead of its transaction.
 * Token transfers use Solady's SafeTransferLib (cheaper than SafeERC20; same revert-on-failure semantics).
 *
 * Gas layout: a channel is two storage slots written at open (payer|deposit|challenge minutes and
 * payee|redeemed|fee bps) plus one slot written only by {startClose}.
 */
contract PaymentChannels is EIP712 {
    // ─────────────────────────────────────────────── types ───────────────────────────────────────

    /// @notice A payer's signed promise: cumulative `amount` plus optional hash-chain ticks.
    struct Voucher {
        bytes32 channelId;
        uint256 amount;
        bytes32 tickAnchor;
        uint256 tickValue;
    }

    /// @notice One element of {redeemBatch}; `ticks == 0` redeems the voucher amount alone.
    struct Redemption {
        Voucher voucher;
        bytes signature;
        bytes32 preimage;
        uint256 ticks;
    }

    /// @notice The public view of a channel (see {getChannel}).
    struct Channel {
        address payer;
        address payee;
        uint256 deposit;
        uint256 redeemed;
        uint256 closesAt;
        uint256 feeBps;
        uint256 challengePeriod;
        /// @dev Priority premium of the channel (0 = none) and the burned share of it, both fixed at open.
        uint256 premiumBps;
        uint256 premiumBurnBps;
        /// @dev Who gets the unspent rest at close: the payer, or the funder's `refundTo` of {openFor}.
        address refundTo;
    }

    /// @dev Storage slot A of a channel.
    struct ChannelHead {
        address payer;
        uint80 deposit;
        uint16 challengeMinutes;
    }

    /// @dev Storage slot B of a channel. `terms`: fee bps in bits 0-13, {REFUND_FLAG} in bit 14, {PREMIUM_FLAG} in 15.
    struct ChannelTail {
        address payee;
        uint80 redeemed;
        uint16 terms;
    }

    // ─────────────────────────────────────────────── constants ───────────────────────────────────

    /// @notice EIP-712 type hash of `Voucher` (must match src/chain/typedData.ts).
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(bytes32 channelId,uint256 amount,bytes32 tickAnchor,uint256 tickValue)");
    /// @notice EIP-712 type hash of `CloseChannel` (must match src/chain/typedData.ts).
    bytes32 public constant CLOSE_CHANNEL_TYPEHASH = keccak256("CloseChannel(bytes32 channelId,uint256 amount)");
    /// @notice EIP-712 type hash of `StartClose`, the payer's consent to a unilateral close ({startCloseSigned}).
    bytes32 public constant START_CLOSE_TYPEHASH = keccak256("StartClose(bytes32 channelId)");
    /// @notice Gas given to a refund receiver's {IChannelRefundReceiver.onChannelRefund}: enough to book a
    /// refund, too little to make closing costly; a receiver that fails or runs out is ignored.
    uint256 public constant REFUND_CALLBACK_GAS = 100_000;

    /// @notice Hard cap of the protocol fee: 5 %. Governance can never charge more.
    uint256 public constant MAX_FEE_BPS = 500;
    /// @notice Basis-point denominator.
    uint256 public constant BPS = 10_000;
    /// @notice Shortest challenge period: a payee's watcher needs time to see the close and redeem.
    uint256 public constant MIN_CHALLENGE_PERIOD = 1 hours;
    /// @notice Longest challenge period: a payer's refund must not be locked for more than a month.
    uint256 public constant MAX_CHALLENGE_PERIOD = 30 days;
    /// @notice Challenge periods are whole minutes so a channel can snapshot one in 16 bits.
    uint256 public constant CHALLENGE_PERIOD_UNIT = 1 minutes;
    /**
     * @notice Most hash-chain steps verified in one redeem. One SHA-256 step through the precompile costs
     * about 250 gas (measured), so 1024 steps cost about 255k gas: bounded, and still far below a block. At the
     * protocol's 64 KiB tick, 1024 ticks are 64 MiB between two checkpoint vouchers.
     */
    uint256 public constant MAX_TICKS_PER_REDEEM = 1024;
    /**
     * @notice Largest deposit of one channel: amounts are packed in 80 bits (≈ 1.2 million RBT at 18
     * decimals; a saturated 1 Gbit/s link for a month at 1 RBT/GiB is ≈ 0.3 million).
     */
    uint256 public constant MAX_DEPOSIT = type(uint80).max;
    /// @notice Highest priority premium: the payer pays at most twice the price.
    uint256 public constant MAX_PREMIUM_BPS = 10_000;
    /// @notice Share of the premium burned when governance has not changed it (half).
    uint256 public constant DEFAULT_PREMIUM_BURN_BPS = 5_000;
    /// @notice {RedemptionSkipped} reasons: the channel does not exist (or closed meanwhile) ...
    uint256 public constant SKIP_CHANNEL_NOT_FOUND = 1;
    /// @notice ... the voucher is not signed by the channel's payer ...
    uint256 public constant SKIP_INVALID_SIGNATURE = 2;
    /// @notice ... the ticks do not hash to the voucher's anchor (or are too many, or there is no anchor) ...
    uint256 public constant SKIP_INVALID_TICKS = 3;
    /// @notice ... the claim is not above what was already redeemed ...
    uint256 public constant SKIP_NOTHING_TO_REDEEM = 4;
    /// @notice ... or the channel pays another payee than the batch's first redeemed element.
    uint256 public constant SKIP_PAYEE_MISMATCH = 5;
    /// @dev Offset kept in the fee accumulator so its slot never returns to zero (see {sweepFees}).
    uint256 private constant FEES_SENTINEL = 1;
    /// @dev Bit 15 of a channel's `terms`: the channel has premium terms in {_premiums}.
    uint256 private constant PREMIUM_FLAG = 0x8000;
    /// @dev Bit 14 of a channel's `terms`: its refund goes to {_refundTo}, not to the payer.
    uint256 private constant REFUND_FLAG = 0x4000;
    /// @dev Bits 0-13 of `terms`: the fee (<= MAX_FEE_BPS).
    uint256 private constant FEE_MASK = 0x3fff;
    /// @dev The accumulator packs unswept fees (+ FEES_SENTINEL) in its low 128 bits and unswept burns above.
    uint256 private constant LOW_128 = type(uint128).max;

    // ─────────────────────────────────────────────── errors ──────────────────────────────────────

    error NotGovernance(address caller);
    error ZeroAddress();
    error ZeroAmount();
    error FeeTooHigh(uint256 feeBps, uint256 maxFeeBps);
    error ChallengePeriodOutOfBounds(uint256 period, uint256 min, uint256 max);
    error ChallengePeriodNotWholeMinutes(uint256 period);
    error DepositTooLarge(bytes32 channelId, uint256 deposit, uint256 maxDeposit);
    error InsufficientAllowance(address payer, uint256 allowance, uint256 needed);
    error ChannelNotFound(bytes32 channelId);
    error NotPayer(bytes32 channelId, address caller, address payer);
    error InvalidSignature(bytes32 channelId);
    error InvalidSigner(bytes32 channelId, address signer, address expected);
    error NothingToRedeem(bytes32 channelId, uint256 claim, uint256 redeemed);
    error TooManyTicks(bytes32 channelId, uint256 ticks, uint256 maxTicks);
    error NoTickAnchor(bytes32 channelId);
    error InvalidTickPreimage(bytes32 channelId, uint256 ticks);
    error PayeeMismatch(bytes32 channelId, address payee, address expected);
    error EmptyBatch();
    error NothingRedeemed();
    error AlreadyClosing(bytes32 channelId, uint256 closesAt);
    error NotClosing(bytes32 channelId);
    error ChallengePeriodActive(bytes32 channelId, uint256 closesAt, uint256 now_);
    error CloseBelowRedeemed(bytes32 channelId, uint256 amount, uint256 redeemed);
    error PremiumTooHigh(uint256 premiumBps, uint256 maxPremiumBps);
    error BurnShareTooHigh(uint256 premiumBurnBps, uint256 max);

    // ─────────────────────────────────────────────── events ──────────────────────────────────────

    /// @dev The nonce is not logged (it is derivable: the payer's n-th ChannelOpened has nonce n - 1).
    event ChannelOpened(bytes32 indexed channelId, address indexed payer, address indexed payee, uint256 deposit);
    event ChannelToppedUp(bytes32 indexed channelId, address indexed funder, uint256 amount, uint256 deposit);
    /// @param redeemed the new cumulative redeemed amount (fee included); @param payout sent to the payee now.
    event ChannelRedeemed(bytes32 indexed channelId, uint256 redeemed, uint256 payout);
    /// @notice A {redeemBatch} element that was not redeemed, and why (one of the `SKIP_` codes).
    event RedemptionSkipped(bytes32 indexed channelId, uint256 reason);
    event ChannelCloseStarted(bytes32 indexed channelId, uint256 closesAt);
    /// @dev `redeemed` is the final cumulative amount; its fee is `redeemed * feeBps / 10_000` (channel's feeBps).
    event ChannelClosed(bytes32 indexed channelId, uint256 redeemed, uint256 refund);
    event ChannelSettled(bytes32 indexed channelId, uint256 redeemed, uint256 refund);
    event FeesSwept(address indexed treasury, uint256 amount);
    event FeeUpdated(uint256 oldFeeBps, uint256 newFeeBps);
    event TreasuryUpdated(address oldTreasury, address newTreasury);
    event ChallengePeriodUpdated(uint256 oldPeriod, uint256 newPeriod);
    /// @notice Emitted right after `ChannelOpened` for a channel opened with a priority premium.
    /// @notice A channel opened by {openFor} whose unspent rest goes to `refundTo` (not its payer).
    event ChannelRefundTo(bytes32 indexed channelId, address indexed funder, address indexed refundTo);
    event ChannelPremium(bytes32 indexed channelId, uint256 premiumBps, uint256 premiumBurnBps);
    event BurnSwept(address indexed burnSink, uint256 amount);
    event PremiumBurnUpdated(uint256 oldPremiumBurnBps, uint256 newPremiumBurnBps);

    // ─────────────────────────────────────────────── storage ─────────────────────────────────────

    IERC20 private immutable _token;
    address private immutable _governance;
    address private immutable _burnSink;

    /// @dev Governance parameters, packed in one slot (read once by {open}).
    address private _treasury;
    uint16 private _feeBps;
    uint32 private _challengePeriod;
    uint16 private _premiumBurnBps;

    /// @dev Low 128 bits: accrued fees + FEES_SENTINEL; high 128 bits: accrued burn. The slot is never zero, so
    /// booking is always a non-zero -> non-zero write (2.9k gas) instead of zero -> non-zero (20k) after a sweep,
    /// and a channel's fee and burn are booked in one write. Both halves hold tokens of this contract, far
    /// below 2^128 wei (3.4e20 RBT).
    uint256 private _accrued = FEES_SENTINEL;
    mapping(address payer => uint256) private _nonces;
    mapping(bytes32 channelId => ChannelHead) private _heads;
    mapping(bytes32 channelId => ChannelTail) private _tails;
    mapping(bytes32 channelId => uint256) private _closesAt;
    /// @dev Premium terms of a premium channel: premiumBps | premiumBurnBps << 16 (written only if non-zero).
    mapping(bytes32 channelId => uint256) private _premiums;
    /// @dev Refund receiver of a channel with {REFUND_FLAG} (written only then).
    mapping(bytes32 channelId => address) private _refundTo;

    // ─────────────────────────────────────────────── constructor ─────────────────────────────────

    /**
     * @param token_ the RBT token (ERC-20 with ERC-2612 permit).
     * @param governance_ the TimelockController that owns every parameter.
     * @param treasury_ receiver of swept protocol fees.
     * @param feeBps_ initial protocol fee in basis points (<= MAX_FEE_BPS).
     * @param challengePeriod_ initial challenge period in seconds (bounded, whole minutes).
     * @param burnSink_ receiver of the burned share of premiums (the BondingCurve, which absorbs RBT sent to it).
     */
    constructor(
        IERC20 token_,
        address governance_,
        address treasury_,
        uint256 feeBps_,
        uint256 challengePeriod_,
        address burnSink_
    ) EIP712("Bandex Channels", "1") {
        if (address(token_) == address(0) || governance_ == address(0) || burnSink_ == address(0)) {
            revert ZeroAddress();
        }
        _token = token_;
        _governance = governance_;
        _burnSink = burnSink_;
        _setTreasury(treasury_);
        _setFeeBps(feeBps_);
        _setChallengePeriod(challengePeriod_);
        _setPremiumBurnBps(DEFAULT_PREMIUM_BURN_BPS);
    }

    modifier onlyGovernance() {
        if (msg.sender != _governance) revert NotGovernance(msg.sender);
        _;
    }

    // ─────────────────────────────────────────────── opening and funding ─────────────────────────

    /**
     * @notice Opens a channel from `msg.sender` to `payee`, pulling `deposit` tokens (needs an allowance).
     * @return id `keccak256(abi.encode(payer, payee, nonce))` with the payer's current nonce.
     */
    function open(address payee, uint256 deposit) external returns (bytes32 id) {
        return _open(msg.sender, payee, deposit, 0, msg.sender);
    }

    /**
     * @notice {open} with a priority premium: the payer pays price × (1 + premiumBps / 10_000); the current
     * `premiumBurnBps` of the premium part is burned on redemption. `premiumBps` <= MAX_PREMIUM_BPS; 0 is {open}.
     */
    function openWithPremium(address payee, uint256 deposit, uint256 premiumBps) external returns (bytes32 id) {
        return _open(msg.sender, payee, deposit, premiumBps, msg.sender);
    }

    /**
     * @notice {open} with an ERC-2612 permit in the same transaction. A failing permit (for example one
     * front-run by someone who submitted it first) is tolerated when the allowance already suffices.
     */
    function openWithPermit(address payee, uint256 deposit, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (bytes32 id)
    {
        _permit(deposit, deadline, v, r, s);
        return _open(msg.sender, payee, deposit, 0, msg.sender);
    }

    /// @notice {openWithPremium} with an ERC-2612 permit in the same transaction (see {openWithPermit}).
    function openWithPermitAndPremium(
        address payee,
        uint256 deposit,
        uint256 premiumBps,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bytes32 id) {
        _permit(deposit, deadline, v, r, s);
        return _open(msg.sender, payee, deposit, premiumBps, msg.sender);
    }

    /**
     * @notice Opens a channel whose voucher signer is `payer`, funded by `msg.sender` (an allowance), with
     * priority premium `premiumBps` (0 = none). The unspent rest goes to `refundTo` at close (the payer when
     * `refundTo` is zero or the payer); a contract `refundTo` is then told through
     * {IChannelRefundReceiver.onChannelRefund}. The id is `channelId(payer, payee, nonceOf(payer))`.
     * A wallet funds a one-time key this way, and the shielded pool funds one from a note.
     */
    function openFor(address payer, address payee, uint256 deposit, uint256 premiumBps, address refundTo)
        external
        returns (bytes32 id)
    {
        return _open(payer, payee, deposit, premiumBps, refundTo);
    }

    /// @notice {openFor} with an ERC-2612 permit of the funder in the same transaction (see {openWithPermit}).
    function openForWithPermit(
        address payer,
        address payee,
        uint256 deposit,
        uint256 premiumBps,
        address refundTo,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (bytes32 id) {
        _permit(deposit, deadline, v, r, s);
        return _open(payer, payee, deposit, premiumBps, refundTo);
    }

    /// @notice Adds `amount` to a channel's deposit. Anyone may fund a channel; the payer usually does.
    function topUp(bytes32 id, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        ChannelHead storage head = _heads[id];
        if (head.payer == address(0)) revert ChannelNotFound(id);
        uint256 deposit = head.deposit + amount;
        if (deposit > MAX_DEPOSIT) revert DepositTooLarge(id, deposit, MAX_DEPOSIT);
        // casting is safe because deposit <= MAX_DEPOSIT = type(uint80).max, checked just above
        // forge-lint: disable-next-line(unsafe-typecast)
        head.deposit = uint80(deposit);
        emit ChannelToppedUp(id, msg.sender, amount, deposit);
        SafeTransferLib.safeTransferFrom(address(_token), msg.sender, address(this), amount);
    }

    // ─────────────────────────────────────────────── redeeming ───────────────────────────────────

    /**
     * @notice Redeems a payer-signed voucher for `voucher.amount` (capped at the deposit). Anyone may call;
     * the payout (the increase over what was already redeemed, minus the fee) goes to the payee.
     */
    function redeem(Voucher calldata voucher, bytes calldata signature) external {
        (address payee, uint256 payout) = _redeem(voucher, signature, bytes32(0), 0);
        SafeTransferLib.safeTransfer(address(_token), payee, payout);
    }

    /**
     * @notice Redeems a voucher plus `ticks` hash-chain ticks: `sha256` applied `ticks` times to `preimage`
     * must equal `voucher.tickAnchor`; the claim is `amount + ticks * tickValue`, capped at the deposit.
     */
    function redeemWithTicks(Voucher calldata voucher, bytes calldata signature, bytes32 preimage, uint256 ticks)
        external
    {
        if (ticks == 0) revert InvalidTickPreimage(voucher.channelId, 0);
        (address payee, uint256 payout) = _redeem(voucher, signature, preimage, ticks);
        SafeTransferLib.safeTransfer(address(_token), payee, payout);
    }

    /**
     * @notice Redeems vouchers of many channels that share one payee with a single token transfer. An element
     * that cannot be redeemed — its channel is gone, its signature or ticks are invalid, it claims nothing new,
     * or its payee differs from the first redeemed element's — is skipped with {RedemptionSkipped} instead of
     * reverting the batch, so one stale or bad voucher never blocks the others. Reverts {NothingRedeemed} when
     * every element is skipped.
     * @return redeemed how many elements were redeemed.
     */
    function redeemBatch(Redemption[] calldata redemptions) external returns (uint256 redeemed) {
        uint256 n = redemptions.length;
        if (n == 0) revert EmptyBatch();
        address payee;
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            (address p, uint256 payout) = _redeemElement(redemptions[i], payee);
            if (p == address(0)) continue;
            payee = p;
            // Each payout is at most one channel's deposit (< 2^80) and n is bounded by calldata size,
            // so neither sum can overflow 256 bits.
            unchecked {
                total += payout;
                ++redeemed;
            }
        }
        if (redeemed == 0) revert NothingRedeemed();
        SafeTransferLib.safeTransfer(address(_token), payee, total);
    }

    // ─────────────────────────────────────────────── closing ─────────────────────────────────────

    /**
     * @notice Cooperative close, submitted by the payer with the payee's signed `CloseChannel(channelId,
     * amount)`: pays the payee up to `amount` (capped at the deposit), refunds the rest to the payer and
     * deletes the channel. Works during a challenge period too.
     */
    function cooperativeClose(bytes32 id, uint256 amount, bytes calldata payeeSignature) external {
        ChannelHead memory head = _heads[id];
        if (head.payer == address(0)) revert ChannelNotFound(id);
        if (msg.sender != head.payer) revert NotPayer(id, msg.sender, head.payer);
        _closeCooperatively(id, head, amount, payeeSignature);
    }

    /**
     * @notice {cooperativeClose} for a payer key without gas: anyone submits both parties' signatures of
     * `CloseChannel(channelId, amount)` (the payee has every reason to: it is paid at once).
     */
    function cooperativeCloseSigned(
        bytes32 id,
        uint256 amount,
        bytes calldata payerSignature,
        bytes calldata payeeSignature
    ) external {
        ChannelHead memory head = _heads[id];
        if (head.payer == address(0)) revert ChannelNotFound(id);
        _checkSigner(id, _closeDigest(id, amount), payerSignature, head.payer);
        _closeCooperatively(id, head, amount, payeeSignature);
    }

    /// @notice Starts the payer's unilateral close; the payee may still redeem until {settle}.
    function startClose(bytes32 id) external {
        ChannelHead storage head = _heads[id];
        address payer = head.payer;
        if (payer == address(0)) revert ChannelNotFound(id);
        if (msg.sender != payer) revert NotPayer(id, msg.sender, payer);
        _startClose(id, head.challengeMinutes);
    }

    /// @notice {startClose} for a payer key without gas: anyone submits the payer's signed `StartClose(channelId)`.
    function startCloseSigned(bytes32 id, bytes calldata payerSignature) external {
        ChannelHead storage head = _heads[id];
        address payer = head.payer;
        if (payer == address(0)) revert ChannelNotFound(id);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(START_CLOSE_TYPEHASH, id)));
        _checkSigner(id, digest, payerSignature, payer);
        _startClose(id, head.challengeMinutes);
    }

    /// @notice After the challenge period, anyone may settle: the payer gets the unredeemed rest.
    function settle(bytes32 id) external {
        uint256 closesAt = _closesAt[id];
        if (closesAt == 0) revert NotClosing(id);
        if (block.timestamp < closesAt) revert ChallengePeriodActive(id, closesAt, block.timestamp);
        ChannelHead memory head = _heads[id];
        if (head.payer == address(0)) revert ChannelNotFound(id); // closed cooperatively meanwhile
        ChannelTail memory tail = _tails[id];
        delete _closesAt[id];
        (, uint256 refund) = _finalize(id, head.deposit, tail, tail.redeemed);
        emit ChannelSettled(id, tail.redeemed, refund);
        _refund(id, tail.terms, head.payer, refund);
    }

    /// @notice Sends the accrued protocol fees to the treasury. Anyone may call.
    function sweepFees() external {
        uint256 accrued = _accrued;
        uint256 amount = (accrued & LOW_128) - FEES_SENTINEL;
        if (amount == 0) revert ZeroAmount();
        _accrued = accrued - amount;
        address to = _treasury;
        emit FeesSwept(to, amount);
        SafeTransferLib.safeTransfer(address(_token), to, amount);
    }

    /// @notice Sends the burned premium shares of closed channels to the burn sink (the curve absorbs them). Anyone.
    function sweepBurn() external {
        uint256 accrued = _accrued;
        uint256 amount = accrued >> 128;
        if (amount == 0) revert ZeroAmount();
        _accrued = accrued & LOW_128;
        emit BurnSwept(_burnSink, amount);
        SafeTransferLib.safeTransfer(address(_token), _burnSink, amount);
    }

    // ─────────────────────────────────────────────── governance ──────────────────────────────────

    /// @notice Sets the protocol fee for channels opened from now on (<= MAX_FEE_BPS).
    function setFeeBps(uint256 feeBps_) external onlyGovernance {
        _setFeeBps(feeBps_);
    }

    /// @notice Sets the fee receiver.
    function setTreasury(address treasury_) external onlyGovernance {
        _setTreasury(treasury_);
    }

    /// @notice Sets the challenge period (seconds, whole minutes, bounded) for channels opened from now on.
    function setChallengePeriod(uint256 period) external onlyGovernance {
        _setChallengePeriod(period);
    }

    /// @notice Sets the burned share of the priority premium (bps, <= 10_000) for channels opened from now on.
    function setPremiumBurnBps(uint256 premiumBurnBps_) external onlyGovernance {
        _setPremiumBurnBps(premiumBurnBps_);
    }

    // ─────────────────────────────────────────────── views ───────────────────────────────────────

    /// @notice The id of the channel `payer` opens to `payee` with `nonce`.
    function channelId(address payer, address payee, uint256 nonce) public pure returns (bytes32 id) {
        // keccak256(abi.encode(payer, payee, nonce)) computed in scratch + free memory without allocating.
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, and(payer, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x20), and(payee, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x40), nonce)
            id := keccak256(m, 0x60)
        }
    }

    /// @notice The nonce the next channel of `payer` will use (the number of channels it opened).
    function nonceOf(address payer) external view returns (uint256) {
        return _nonces[payer];
    }

    /// @notice A channel's state; all zero once closed or if it never existed.
    function getChannel(bytes32 id) external view returns (Channel memory c) {
        ChannelHead memory head = _heads[id];
        ChannelTail memory tail = _tails[id];
        c.payer = head.payer;
        c.payee = tail.payee;
        c.deposit = head.deposit;
        c.redeemed = tail.redeemed;
        if (head.payer != address(0)) c.closesAt = _closesAt[id];
        c.feeBps = tail.terms & FEE_MASK;
        c.challengePeriod = uint256(head.challengeMinutes) * CHALLENGE_PERIOD_UNIT;
        if (tail.terms & PREMIUM_FLAG != 0) {
            uint256 premium = _premiums[id];
            c.premiumBps = premium & 0xffff;
            c.premiumBurnBps = premium >> 16;
        }
        c.refundTo = tail.terms & REFUND_FLAG != 0 ? _refundTo[id] : head.payer;
    }

    /// @notice The amount a voucher (plus `ticks` ticks) would pay the payee now, after the fee.
    function claimable(Voucher calldata voucher, bytes32 preimage, uint256 ticks) external view returns (uint256) {
        ChannelHead memory head = _heads[voucher.channelId];
        ChannelTail memory tail = _tails[voucher.channelId];
        if (ticks != 0) _checkTicks(voucher, preimage, ticks);
        uint256 claim = _claim(voucher, ticks, head.deposit);
        if (claim <= tail.redeemed) return 0;
        return _payout(voucher.channelId, tail.terms, tail.redeemed, claim);
    }

    /// @notice How a cumulative amount `amount` of channel `id` splits: burned premium share, fee, payee's share.
    function split(bytes32 id, uint256 amount) external view returns (uint256 burned, uint256 fee, uint256 payee) {
        uint256 terms = _tails[id].terms;
        (burned, fee) = _deductions(amount, terms, _premiumOf(id, terms));
        payee = amount - burned - fee;
    }

    /// @notice The EIP-712 digest of a voucher (what the payer signs).
    function voucherDigest(Voucher calldata voucher) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(VOUCHER_TYPEHASH, voucher.channelId, voucher.amount, voucher.tickAnchor, voucher.tickValue)
            )
        );
    }

    /// @notice The EIP-712 digest of a `CloseChannel` consent (what the payee signs).
    function closeDigest(bytes32 id, uint256 amount) external view returns (bytes32) {
        return _closeDigest(id, amount);
    }

    /// @notice The EIP-712 digest of a `StartClose` consent (what the payer signs for {startCloseSigned}).
    function startCloseDigest(bytes32 id) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(START_CLOSE_TYPEHASH, id)));
    }

    /// @notice The EIP-712 domain separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function token() external view returns (IERC20) {
        return _token;
    }

    function governance() external view returns (address) {
        return _governance;
    }

    function treasury() external view returns (address) {
        return _treasury;
    }

    function feeBps() external view returns (uint256) {
        return _feeBps;
    }

    function challengePeriod() external view returns (uint256) {
        return _challengePeriod;
    }

    function premiumBurnBps() external view returns (uint256) {
        return _premiumBurnBps;
    }

    function burnSink() external view returns (address) {
        return _burnSink;
    }

    /// @notice Fees of closed channels not yet swept to the treasury.
    function accruedFees() external view returns (uint256) {
        return (_accrued & LOW_128) - FEES_SENTINEL;
    }

    /// @notice Burned premium shares of closed channels not yet swept to the burn sink.
    function accruedBurn() external view returns (uint256) {
        return _accrued >> 128;
    }

    // ─────────────────────────────────────────────── internal ────────────────────────────────────

    /// @dev Opens a channel signed for by `payer`, funded by `msg.sender`, refunded to `refundTo` (0 = payer).
    function _open(address payer, address payee, uint256 deposit, uint256 premiumBps, address refundTo)
        internal
        returns (bytes32 id)
    {
        if (payer == address(0) || payee == address(0)) revert ZeroAddress();
        if (deposit == 0) revert ZeroAmount();
        uint256 nonce = _nonces[payer];
        id = channelId(payer, payee, nonce);
        if (deposit > MAX_DEPOSIT) revert DepositTooLarge(id, deposit, MAX_DEPOSIT);
        // A nonce counts channels opened by one address: it cannot reach 2^256.
        unchecked {
            _nonces[payer] = nonce + 1;
        }
        uint16 minutes_;
        // The stored period is bounded by MAX_CHALLENGE_PERIOD (43200 minutes < 2^16).
        unchecked {
            // casting is safe because _challengePeriod <= MAX_CHALLENGE_PERIOD, so the minutes fit 16 bits
            // forge-lint: disable-next-line(unsafe-typecast)
            minutes_ = uint16(_challengePeriod / CHALLENGE_PERIOD_UNIT);
        }
        ChannelHead storage head = _heads[id];
        ChannelTail storage tail = _tails[id];
        uint256 terms = _feeBps;
        if (premiumBps != 0) {
            if (premiumBps > MAX_PREMIUM_BPS) revert PremiumTooHigh(premiumBps, MAX_PREMIUM_BPS);
            terms |= PREMIUM_FLAG;
            uint256 burnBps = _premiumBurnBps;
            _premiums[id] = premiumBps | (burnBps << 16);
            emit ChannelPremium(id, premiumBps, burnBps);
        }
        if (refundTo != address(0) && refundTo != payer) {
            terms |= REFUND_FLAG;
            _refundTo[id] = refundTo;
            emit ChannelRefundTo(id, msg.sender, refundTo);
        }
        // Whole-slot writes of fresh slots: pack by hand so the compiler does not read-mask-write.
        // Layout (low to high bits): address (160) | amount (80) | uint16 (16), as Solidity packs the structs.
        assembly ("memory-safe") {
            sstore(head.slot, or(or(payer, shl(160, deposit)), shl(240, minutes_)))
            sstore(tail.slot, or(payee, shl(240, terms)))
        }
        emit ChannelOpened(id, payer, payee, deposit);
        SafeTransferLib.safeTransferFrom(address(_token), msg.sender, address(this), deposit);
    }

    /// @dev Pays the payee `amount` (capped at the deposit) and refunds the rest: a cooperative close.
    function _closeCooperatively(bytes32 id, ChannelHead memory head, uint256 amount, bytes calldata payeeSignature)
        internal
    {
        ChannelTail memory tail = _tails[id];
        _checkSigner(id, _closeDigest(id, amount), payeeSignature, tail.payee);
        uint256 final_ = amount < head.deposit ? amount : head.deposit;
        if (final_ < tail.redeemed) revert CloseBelowRedeemed(id, final_, tail.redeemed);
        (uint256 payout, uint256 refund) = _finalize(id, head.deposit, tail, final_);
        // A cooperative close does not clear a pending `closesAt` slot (saves 2.2k gas in the usual case
        // where there is none); ids are never reused and every reader checks that the channel exists.
        emit ChannelClosed(id, final_, refund);
        if (payout != 0) SafeTransferLib.safeTransfer(address(_token), tail.payee, payout);
        _refund(id, tail.terms, head.payer, refund);
    }

    function _startClose(bytes32 id, uint16 challengeMinutes) internal {
        uint256 closesAt = _closesAt[id];
        if (closesAt != 0) revert AlreadyClosing(id, closesAt);
        // At most block.timestamp + 65535 minutes: cannot overflow.
        unchecked {
            closesAt = block.timestamp + uint256(challengeMinutes) * CHALLENGE_PERIOD_UNIT;
        }
        _closesAt[id] = closesAt;
        emit ChannelCloseStarted(id, closesAt);
    }

    /**
     * @dev Sends a closed channel's unspent rest to its payer, or to the funder's `refundTo` (then told through
     * {IChannelRefundReceiver}, with bounded gas; a receiver that fails does not undo the close).
     */
    function _refund(bytes32 id, uint256 terms, address payer, uint256 refund) internal {
        if (terms & REFUND_FLAG == 0) {
            if (refund != 0) SafeTransferLib.safeTransfer(address(_token), payer, refund);
            return;
        }
        address to = _refundTo[id];
        delete _refundTo[id];
        if (refund == 0) return;
        SafeTransferLib.safeTransfer(address(_token), to, refund);
        if (to.code.length != 0) {
            try IChannelRefundReceiver(to).onChannelRefund{gas: REFUND_CALLBACK_GAS}(id, refund) {} catch {}
        }
    }

    function _closeDigest(bytes32 id, uint256 amount) internal view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CLOSE_CHANNEL_TYPEHASH, id, amount)));
    }

    function _permit(uint256 deposit, uint256 deadline, uint8 v, bytes32 r, bytes32 s) internal {
        try IERC20Permit(address(_token)).permit(msg.sender, address(this), deposit, deadline, v, r, s) {}
        catch {
            uint256 allowance = _token.allowance(msg.sender, address(this));
            if (allowance < deposit) revert InsufficientAllowance(msg.sender, allowance, deposit);
        }
    }

    /// @dev Verifies and books a redemption; returns the payee and the amount to pay it.
    function _redeem(Voucher calldata voucher, bytes calldata signature, bytes32 preimage, uint256 ticks)
        internal
        returns (address payee, uint256 payout)
    {
        bytes32 id = voucher.channelId;
        ChannelHead memory head = _heads[id];
        if (head.payer == address(0)) revert ChannelNotFound(id);
        _checkSigner(id, voucherDigest(voucher), signature, head.payer);
        if (ticks != 0) _checkTicks(voucher, preimage, ticks);
        ChannelTail storage tail = _tails[id];
        uint256 redeemed = tail.redeemed;
        uint256 claim = _claim(voucher, ticks, head.deposit);
        if (claim <= redeemed) revert NothingToRedeem(id, claim, redeemed);
        return (tail.payee, _book(id, tail, redeemed, claim));
    }

    /**
     * @dev One {redeemBatch} element, {_redeem} that reports instead of reverting: its payee and payout, or a
     * zero payee after {RedemptionSkipped} and nothing changed. `expectedPayee` (unless zero) must be the
     * channel's payee.
     */
    function _redeemElement(Redemption calldata r, address expectedPayee)
        internal
        returns (address payee, uint256 payout)
    {
        bytes32 id = r.voucher.channelId;
        (uint256 skip, ChannelTail memory tail, uint256 claim) = _skipReason(r, expectedPayee);
        if (skip != 0) {
            emit RedemptionSkipped(id, skip);
            return (address(0), 0);
        }
        payee = tail.payee;
        // claim <= deposit < 2^80 fits the slot.
        // casting is safe because claim <= deposit <= type(uint80).max
        // forge-lint: disable-next-line(unsafe-typecast)
        _tails[id].redeemed = uint80(claim);
        payout = _payout(id, tail.terms, tail.redeemed, claim);
        emit ChannelRedeemed(id, claim, payout);
    }

    /// @dev 0 if the element can be redeemed (with the channel's tail and the claim), else why not (a `SKIP_` code).
    function _skipReason(Redemption calldata r, address expectedPayee)
        internal
        view
        returns (uint256 skip, ChannelTail memory tail, uint256 claim)
    {
        bytes32 id = r.voucher.channelId;
        ChannelHead memory head = _heads[id];
        if (head.payer == address(0)) return (SKIP_CHANNEL_NOT_FOUND, tail, 0);
        (address signer, bool ok) = _recover(voucherDigest(r.voucher), r.signature);
        if (!ok || signer != head.payer) return (SKIP_INVALID_SIGNATURE, tail, 0);
        if (r.ticks != 0 && !_ticksValid(r.voucher, r.preimage, r.ticks)) return (SKIP_INVALID_TICKS, tail, 0);
        tail = _tails[id];
        if (expectedPayee != address(0) && tail.payee != expectedPayee) return (SKIP_PAYEE_MISMATCH, tail, 0);
        claim = _claim(r.voucher, r.ticks, head.deposit);
        if (claim <= tail.redeemed) return (SKIP_NOTHING_TO_REDEEM, tail, 0);
    }

    /// @dev Records `claim` (> `redeemed`, <= deposit) as redeemed; returns the payee's share of the increase.
    function _book(bytes32 id, ChannelTail storage tail, uint256 redeemed, uint256 claim)
        internal
        returns (uint256 payout)
    {
        uint256 terms = tail.terms;
        // claim <= deposit < 2^80 fits the slot.
        // casting is safe because claim <= deposit <= type(uint80).max
        // forge-lint: disable-next-line(unsafe-typecast)
        tail.redeemed = uint80(claim);
        payout = _payout(id, terms, redeemed, claim);
        emit ChannelRedeemed(id, claim, payout);
    }

    /// @dev `amount + ticks * tickValue`, capped at `deposit` (saturating, never overflows).
    function _claim(Voucher calldata voucher, uint256 ticks, uint256 deposit) internal pure returns (uint256 claim) {
        claim = voucher.amount;
        if (ticks != 0) {
            // ticks <= MAX_TICKS_PER_REDEEM; saturate instead of overflowing, the cap below applies anyway.
            (bool ok, uint256 extra) = _tryMul(voucher.tickValue, ticks);
            if (!ok) return deposit;
            unchecked {
                claim = claim + extra;
                if (claim < extra) return deposit; // overflow: the claim exceeds any deposit
            }
        }
        if (claim > deposit) claim = deposit;
    }

    function _tryMul(uint256 a, uint256 b) private pure returns (bool ok, uint256 c) {
        // Standard overflow check: c / b == a iff no overflow (b != 0 here).
        unchecked {
            c = a * b;
            ok = c / b == a;
        }
    }

    /// @dev Checks that sha256 applied `ticks` times to `preimage` gives the voucher's anchor.
    function _checkTicks(Voucher calldata voucher, bytes32 preimage, uint256 ticks) internal view {
        bytes32 id = voucher.channelId;
        if (ticks > MAX_TICKS_PER_REDEEM) revert TooManyTicks(id, ticks, MAX_TICKS_PER_REDEEM);
        if (voucher.tickAnchor == bytes32(0)) revert NoTickAnchor(id);
        if (!_ticksValid(voucher, preimage, ticks)) revert InvalidTickPreimage(id, ticks);
    }

    /// @dev Whether `ticks` (at most {MAX_TICKS_PER_REDEEM}) sha256 steps from `preimage` reach the voucher's anchor.
    function _ticksValid(Voucher calldata voucher, bytes32 preimage, uint256 ticks) internal view returns (bool) {
        bytes32 anchor = voucher.tickAnchor;
        if (ticks > MAX_TICKS_PER_REDEEM || anchor == bytes32(0)) return false;
        bytes32 h = preimage;
        bool ok = true;
        assembly ("memory-safe") {
            // Scratch space (0x00-0x3f) holds the 32-byte input and output of the SHA-256 precompile (0x02).
            mstore(0x00, h)
            for { let i := 0 } lt(i, ticks) { i := add(i, 1) } {
                ok := and(ok, staticcall(gas(), 0x02, 0x00, 0x20, 0x00, 0x20))
            }
            h := mload(0x00)
        }
        return ok && h == anchor;
    }

    /// @dev Recovers the signer of `digest` (65-byte or EIP-2098 64-byte, low-s only) and requires `expected`.
    function _checkSigner(bytes32 id, bytes32 digest, bytes calldata signature, address expected) internal pure {
        (address signer, bool ok) = _recover(digest, signature);
        if (!ok) revert InvalidSignature(id);
        if (signer != expected) revert InvalidSigner(id, signer, expected);
    }

    /// @dev The signer of `digest` (65-byte or EIP-2098 64-byte, low-s only); `ok` false for a malformed one.
    function _recover(bytes32 digest, bytes calldata signature) internal pure returns (address signer, bool ok) {
        ECDSA.RecoverError err;
        if (signature.length == 64) {
            (signer, err,) = ECDSA.tryRecover(digest, bytes32(signature[0:32]), bytes32(signature[32:64]));
        } else {
            (signer, err,) = ECDSA.tryRecoverCalldata(digest, signature);
        }
        ok = err == ECDSA.RecoverError.NoError;
    }

    /**
     * @dev Deletes the channel (slots A and B, and its premium terms) at final cumulative amount `final_`; books
     * its fee and burned share; returns what to pay out.
     */
    function _finalize(bytes32 id, uint256 deposit, ChannelTail memory tail, uint256 final_)
        internal
        returns (uint256 payout, uint256 refund)
    {
        uint256 terms = tail.terms;
        uint256 booked;
        // redeemed <= final_ <= deposit (checked by callers), the payee's share is non-decreasing: no underflow.
        unchecked {
            refund = deposit - final_;
            if (terms & PREMIUM_FLAG == 0) {
                uint256 fee = terms & FEE_MASK;
                booked = final_ * fee / BPS;
                uint256 redeemed = tail.redeemed;
                payout = (final_ - booked) - (redeemed - redeemed * fee / BPS);
            } else {
                uint256 premium = _premiums[id];
                (uint256 burned, uint256 fee) = _deductions(final_, terms, premium);
                payout = (final_ - burned - fee) - _net(tail.redeemed, terms, premium);
                booked = fee | (burned << 128);
                delete _premiums[id];
            }
        }
        ChannelHead storage head = _heads[id];
        ChannelTail storage tailSlot = _tails[id];
        // Whole-slot clears (the compiler would clear member by member).
        assembly ("memory-safe") {
            sstore(head.slot, 0)
            sstore(tailSlot.slot, 0)
        }
        // fee, burned < 2^80 each; both halves stay below 2^128 (they hold this contract's tokens).
        if (booked != 0) _accrued += booked;
    }

    /// @dev What the payee gets when a channel's cumulative amount grows from `from` to `to` (from <= to).
    function _payout(bytes32 id, uint256 terms, uint256 from, uint256 to) internal view returns (uint256) {
        // The payee's share is non-decreasing (see _deductions); fee <= amount.
        unchecked {
            if (terms & PREMIUM_FLAG == 0) {
                uint256 fee = terms & FEE_MASK;
                return (to - to * fee / BPS) - (from - from * fee / BPS);
            }
            uint256 premium = _premiums[id];
            return _net(to, terms, premium) - _net(from, terms, premium);
        }
    }

    /// @dev The premium terms of a channel (0 without the premium flag: no storage read).
    function _premiumOf(bytes32 id, uint256 terms) internal view returns (uint256) {
        return terms & PREMIUM_FLAG == 0 ? 0 : _premiums[id];
    }

    /**
     * @dev Burned share and fee of a cumulative amount `x` < 2^80 under a channel's terms:
     * `burned = ⌊⌊x·p/(10_000 + p)⌋·b/10_000⌋`, `fee = ⌊(x − burned)·f/10_000⌋`. Both are non-decreasing in `x`
     * and grow by at most 1 when `x` grows by 1 (each rate is below 1), so `x − burned − fee` is non-decreasing.
     */
    function _deductions(uint256 x, uint256 terms, uint256 premium)
        internal
        pure
        returns (uint256 burned, uint256 fee)
    {
        // x < 2^80, p <= 10_000, b <= 10_000, f <= 500: no product overflows; burned <= x.
        unchecked {
            if (premium != 0) {
                uint256 p = premium & 0xffff;
                burned = x * p / (BPS + p) * (premium >> 16) / BPS;
            }
            fee = (x - burned) * (terms & FEE_MASK) / BPS;
        }
    }

    /// @dev Payee's cumulative share of a cumulative amount; non-decreasing in `x`.
    function _net(uint256 x, uint256 terms, uint256 premium) internal pure returns (uint256) {
        (uint256 burned, uint256 fee) = _deductions(x, terms, premium);
        unchecked {
            return x - burned - fee;
        }
    }

    function _setFeeBps(uint256 feeBps_) internal {
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        emit FeeUpdated(_feeBps, feeBps_);
        // casting is safe because feeBps_ <= MAX_FEE_BPS (500), checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        _feeBps = uint16(feeBps_);
    }

    function _setPremiumBurnBps(uint256 premiumBurnBps_) internal {
        if (premiumBurnBps_ > BPS) revert BurnShareTooHigh(premiumBurnBps_, BPS);
        emit PremiumBurnUpdated(_premiumBurnBps, premiumBurnBps_);
        // casting is safe because premiumBurnBps_ <= BPS (10_000), checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        _premiumBurnBps = uint16(premiumBurnBps_);
    }

    function _setTreasury(address treasury_) internal {
        if (treasury_ == address(0)) revert ZeroAddress();
        emit TreasuryUpdated(_treasury, treasury_);
        _treasury = treasury_;
    }

    function _setChallengePeriod(uint256 period) internal {
        if (period < MIN_CHALLENGE_PERIOD || period > MAX_CHALLENGE_PERIOD) {
            revert ChallengePeriodOutOfBounds(period, MIN_CHALLENGE_PERIOD, MAX_CHALLENGE_PERIOD);
        }
        if (period % CHALLENGE_PERIOD_UNIT != 0) revert ChallengePeriodNotWholeMinutes(period);
        emit ChallengePeriodUpdated(_challengePeriod, period);
        // casting is safe because period <= MAX_CHALLENGE_PERIOD (30 days) fits 32 bits, checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        _challengePeriod = uint32(period);
    }
}
