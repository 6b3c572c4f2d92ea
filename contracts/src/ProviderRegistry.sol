// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/**
 * @title ProviderRegistry
 * @notice Staked registry of Bandex providers and auditors, with slashing on verifiable evidence only:
 * (a) a quorum of the epoch's auditor committee signing an EIP-712 `Report` over anchored audit reports,
 * which opens a dispute window before any stake moves ({proposeSlash}, {disputeSlash}, {finalizeSlash}),
 * or (b) provider equivocation: two different `Receipt`s for the same `sessionId`, both signed by the
 * provider.
 *
 * Committees: time is cut into epochs of `epochLength` seconds (`block.timestamp / epochLength`). Each
 * epoch has a seed from `block.prevrandao` ({drawSeed}, drawn during the epoch before). An auditor's
 * weight is its bonded stake, and a change of it (registration, more stake, unbonding) takes effect
 * `ACTIVATION_EPOCHS` epochs later, so no weight that a drawn seed applies to can change after the draw.
 * The committee of (provider, epoch) is `committeeSize` auditors drawn stake-weighted without replacement
 * ({committeeOf}); a slash needs `quorumBps` of the committee (at least two), every signer having anchored
 * that epoch's reports. A provider is slashed at most once per epoch, only for a recent finished epoch.
 *
 * Stake accounting: each account has a `bonded` and an `unbonding` balance. {unbond} moves stake to
 * `unbonding` and (re)starts the unbonding delay; {withdraw} pays it out after the delay. Unbonding
 * stake stays slashable until withdrawn, so {stakeOf} = bonded + unbonding. A slash takes `slashBps`
 * of that stake (bonded first), sends `slashBurnBps` of it to the `burnSink` and splits the rest
 * among the reporters. The contract's token balance always equals the sum of all stakes.
 */
contract ProviderRegistry is EIP712 {
    using SafeERC20 for IERC20;

    // ─────────────────────────────────────────────── types ───────────────────────────────────────

    /// @notice A session's closing statement, signed by both sides (see docs/protocol.md).
    struct Receipt {
        bytes32 sessionId;
        bytes32 channelId;
        uint64 bytesUp;
        uint64 bytesDown;
        uint256 amount;
        uint64 startTime;
        uint64 endTime;
    }

    /// @notice One auditor's signed measurement of one provider in one epoch (gossiped, archived, anchored).
    /// `probePayer` and `probeSession` name the probe session it measured through, `bytesReceived` what it
    /// received there: a receipt signed by `probePayer` for more contradicts the report ({disputeSlash}).
    struct AuditReport {
        address auditor;
        address provider;
        uint64 epoch;
        uint32 probesSent;
        uint32 probesDelivered;
        uint32 rttMicros;
        uint64 throughputBps;
        uint64 claimedBps;
        uint32 sessionsAttempted;
        uint32 sessionsServed;
        address probePayer;
        bytes32 probeSession;
        uint64 bytesReceived;
    }

    /// @notice A committee's finding about a provider in an epoch; `evidence` is the keccak256 of the
    /// ascending EIP-712 digests of the `AuditReport`s it rests on.
    struct Report {
        address provider;
        uint64 epoch;
        uint8 kind;
        bytes32 evidence;
    }

    /// @notice A provider's public record.
    struct Provider {
        bytes peerId;
        uint256 priceWeiPerGiB;
        bytes2 region;
        uint64 capacityBytesPerSec;
        string metadata;
        uint256 bonded;
        uint256 unbonding;
        uint64 unbondingReadyAt;
        uint64 registeredAt;
        /// @dev Non-zero while jailed: the first epoch in which the provider may {unjail}.
        uint64 jailedUntil;
        /// @dev The epoch of the last change of the offer (registration or {updateProvider}): one per epoch.
        uint64 offerEpoch;
    }

    /// @notice An auditor's stake record. Its committee weight is `weight` from epoch `weightEpoch` on and
    /// `previousWeight` before it.
    struct Auditor {
        bool registered;
        uint64 unbondingReadyAt;
        uint64 weightEpoch;
        uint256 bonded;
        uint256 unbonding;
        uint128 weight;
        uint128 previousWeight;
    }

    /// @notice A proposed slash waiting out its dispute window.
    struct PendingSlash {
        address provider;
        uint40 readyAt;
        uint40 epoch;
        uint8 kind;
        uint8 state;
        bytes32 evidence;
        bytes32 signersHash;
    }

    /// @notice Deployment parameters (all but `epochLength` can later be changed by governance).
    struct Config {
        uint256 minStake;
        uint256 auditorMinStake;
        uint256 unbondingDelay;
        uint256 committeeSize;
        uint256 quorumBps;
        uint256 slashBps;
        uint256 slashBurnBps;
        uint256 epochLength;
        uint256 disputeWindow;
    }

    // ─────────────────────────────────────────────── constants ───────────────────────────────────

    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(bytes32 sessionId,bytes32 channelId,uint64 bytesUp,uint64 bytesDown,uint256 amount,uint64 startTime,uint64 endTime)"
    );
    bytes32 public constant REPORT_TYPEHASH =
        keccak256("Report(address provider,uint64 epoch,uint8 kind,bytes32 evidence)");
    bytes32 public constant AUDIT_REPORT_TYPEHASH = keccak256(
        "AuditReport(address auditor,address provider,uint64 epoch,uint32 probesSent,uint32 probesDelivered,uint32 rttMicros,uint64 throughputBps,uint64 claimedBps,uint32 sessionsAttempted,uint32 sessionsServed,address probePayer,bytes32 probeSession,uint64 bytesReceived)"
    );

    uint8 public constant KIND_BLACKHOLE = 1;
    uint8 public constant KIND_UNDERPERFORMANCE = 2;
    /// @notice The committee could not reach the provider: a small slash and jail ({unjail} after an epoch).
    uint8 public constant KIND_OFFLINE = 3;
    /// @notice An offline slash takes this fraction of `slashBps`.
    uint256 public constant OFFLINE_SLASH_DIVISOR = 10;
    /// @notice A black-hole report must rest on at least this many canaries.
    uint256 public constant MIN_PROBES = 5;

    uint8 private constant SLASH_PENDING = 1;
    uint8 private constant SLASH_DISPUTED = 2;
    uint8 private constant SLASH_FINALIZED = 3;

    /// @notice Epochs between a weight change and the first committee it counts in: the seed of the next
    /// epoch may already be drawn, the one after cannot be.
    uint64 public constant ACTIVATION_EPOCHS = 2;
    /// @notice A slash may be proposed for the last `REPORT_WINDOW_EPOCHS` finished epochs only.
    uint64 public constant REPORT_WINDOW_EPOCHS = 3;
    /// @notice Fewest signatures a slash needs, whatever the committee.
    uint256 public constant MIN_SIGNERS = 2;
    /// @notice Committee size bounds (≈ 32 ecrecovers per slash at most).
    uint256 public constant MIN_COMMITTEE = 2;
    uint256 public constant MAX_COMMITTEE = 32;
    /// @notice Quorum bounds: a strict majority of the committee at least.
    uint256 public constant MIN_QUORUM_BPS = 5_001;
    /// @notice Epoch length bounds (seconds) and the longest dispute window.
    uint256 public constant MAX_EPOCH_LENGTH = 7 days;
    uint256 public constant MAX_DISPUTE_WINDOW = 30 days;
    uint256 public constant BPS = 10_000;

    /// @notice Stake bounds (both minimums): at least 1 RBT so a stake is never free, at most 1M RBT so
    /// governance cannot price every provider out.
    uint256 public constant MIN_STAKE_FLOOR = 1e18;
    uint256 public constant MIN_STAKE_CEILING = 1_000_000e18;
    /// @notice Unbonding delay bounds: long enough to gather auditor signatures against a leaving
    /// provider, short enough that stake is not locked for more than a quarter.
    uint256 public constant MIN_UNBONDING_DELAY = 1 days;
    uint256 public constant MAX_UNBONDING_DELAY = 90 days;
    /// @notice Slash size bounds: at least 1 % (a slash must hurt), at most 50 % per offence.
    uint256 public constant MIN_SLASH_BPS = 100;
    uint256 public constant MAX_SLASH_BPS = 5_000;
    /// @notice Burn share bounds: anything from all-to-reporters to all-burned.
    uint256 public constant MAX_SLASH_BURN_BPS = BPS;
    /// @notice Longest peer id (a libp2p peer id is ≤ 42 bytes for Ed25519; room for RSA keys' hashes).
    uint256 public constant MAX_PEER_ID_LENGTH = 128;
    /// @notice Longest metadata string (a URL or a small JSON blob; keeps registration gas bounded).
    uint256 public constant MAX_METADATA_LENGTH = 1024;
    /// @notice Largest page of {providers}.
    uint256 public constant MAX_PAGE = 500;

    // ─────────────────────────────────────────────── errors ──────────────────────────────────────

    error NotGovernance(address caller);
    error ZeroAddress();
    error ZeroAmount();
    error ParameterOutOfBounds(uint256 value, uint256 min, uint256 max);
    error AlreadyRegistered(address account);
    error NotRegistered(address account);
    error OfferUpdateTooSoon(address provider, uint64 nextEpoch);
    error InsufficientStake(address account, uint256 stake, uint256 needed);
    error InsufficientBonded(address account, uint256 bonded, uint256 requested);
    error EmptyPeerId();
    error PeerIdTooLong(uint256 length, uint256 max);
    error MetadataTooLong(uint256 length, uint256 max);
    error NothingToWithdraw(address account);
    error UnbondingNotReady(address account, uint256 readyAt, uint256 now_);
    error InvalidReportKind(uint8 kind);
    error QuorumNotReached(uint256 signatures, uint256 quorum);
    error InvalidSignature(uint256 index);
    error SignersNotIncreasing(uint256 index, address signer, address previous);
    error NotStakedAuditor(address signer, uint256 stake, uint256 needed);
    error ReportAlreadyUsed(address provider, uint64 epoch);
    error EpochOutOfWindow(uint64 epoch, uint64 current);
    error NoSeed(uint64 epoch);
    error NotInCommittee(address signer, uint64 epoch);
    error NotAnchored(address signer, uint64 epoch);
    error WeightChangePending(address auditor, uint64 weightEpoch);
    error SlashNotPending(bytes32 id);
    error DisputeWindowOpen(bytes32 id, uint256 readyAt);
    error DisputeWindowClosed(bytes32 id, uint256 readyAt);
    error SignersMismatch(bytes32 id);
    error EvidenceMismatch(bytes32 id);
    error NotContradicting(bytes32 id, uint256 index);
    error NotSignedByPayer(address signer, address payer);
    error SlashPending(address provider);
    error NotJailed(address provider);
    error JailNotOver(address provider, uint64 until);
    error NotEquivocation(bytes32 sessionId);
    error SessionMismatch(bytes32 sessionIdA, bytes32 sessionIdB);
    error NotSignedByProvider(address signer, address provider);
    error EquivocationAlreadySlashed(address provider, bytes32 sessionId);
    error NothingToSlash(address provider);
    error AlreadyAnchored(address auditor, uint64 epoch);

    // ─────────────────────────────────────────────── events ──────────────────────────────────────

    event ProviderRegistered(
        address indexed provider,
        bytes peerId,
        uint256 priceWeiPerGiB,
        bytes2 region,
        uint64 capacityBytesPerSec,
        string metadata,
        uint256 stake
    );
    event ProviderUpdated(
        address indexed provider,
        bytes peerId,
        uint256 priceWeiPerGiB,
        bytes2 region,
        uint64 capacityBytesPerSec,
        string metadata
    );
    event ProviderRemoved(address indexed provider);
    event AuditorRegistered(address indexed auditor, uint256 stake);
    event AuditorRemoved(address indexed auditor);
    event StakeAdded(address indexed account, uint256 amount, uint256 bonded);
    event Unbonded(address indexed account, uint256 amount, uint256 unbonding, uint256 readyAt);
    event Withdrawn(address indexed account, uint256 amount);
    event Slashed(address indexed provider, uint256 amount, uint256 burned, uint256 rewarded, bytes32 indexed reason);
    event SlashProposed(
        bytes32 indexed id,
        address indexed provider,
        uint64 epoch,
        uint8 kind,
        bytes32 evidence,
        address[] signers,
        uint256 readyAt
    );
    /// @notice A disputed slash: `auditor`'s report was contradicted (or did not support the finding) and
    /// `auditorSlashed` of its stake was burned; the provider's stake did not move.
    event SlashDisputed(bytes32 indexed id, address indexed provider, address indexed auditor, uint256 auditorSlashed);
    event ReportSlashed(bytes32 indexed id, address indexed provider, uint64 epoch, uint8 kind, bytes32 evidence);
    event SeedDrawn(uint64 indexed epoch, bytes32 seed);
    event Jailed(address indexed provider, uint64 until);
    event Unjailed(address indexed provider);
    event EquivocationSlashed(address indexed provider, bytes32 indexed sessionId, address indexed reporter);
    event ParameterUpdated(bytes32 indexed name, uint256 oldValue, uint256 newValue);
    /// @notice An auditor's digest of the `count` reports it gossiped for `epoch` (see {anchorReports}).
    event ReportsAnchored(address indexed auditor, uint64 indexed epoch, bytes32 digest, uint32 count);

    // ─────────────────────────────────────────────── storage ─────────────────────────────────────

    IERC20 private immutable _token;
    address private immutable _governance;
    address private immutable _burnSink;
    uint256 private immutable _epochLength;

    uint256 private _minStake;
    uint256 private _auditorMinStake;
    uint256 private _unbondingDelay;
    uint256 private _committeeSize;
    uint256 private _quorumBps;
    uint256 private _slashBps;
    uint256 private _slashBurnBps;
    uint256 private _disputeWindow;

    mapping(address => Provider) private _providers;
    address[] private _providerList;
    mapping(address => uint256) private _providerIndex; // index + 1; 0 = not registered
    mapping(address => Auditor) private _auditors;
    address[] private _auditorList;
    mapping(address => uint256) private _auditorIndex; // index + 1
    /// @dev keccak(provider, epoch) → the epoch's slash, proposed, disputed or finalized.
    mapping(bytes32 => PendingSlash) private _slashes;
    mapping(address provider => uint256) private _pendingSlashes;
    mapping(uint64 epoch => bytes32) private _seeds;
    mapping(bytes32 => bool) private _usedEquivocations; // keccak(provider, sessionId)
    /// @dev One bit per (auditor, epoch): bit `epoch % 256` of word `epoch / 256`. Consecutive epochs share a
    /// word, so after an auditor's first anchor in a 256-epoch window each anchor is a non-zero write (5k, not 22k).
    mapping(address auditor => mapping(uint256 word => uint256 bits)) private _anchored;

    // ─────────────────────────────────────────────── constructor ─────────────────────────────────

    /**
     * @param token_ the RBT token staked here.
     * @param governance_ the TimelockController owning every parameter.
     * @param burnSink_ receiver of the burned share of slashes (the BondingCurve, which absorbs it).
     * @param config the parameters: stake minimums, unbonding delay, committee size and quorum, slash and
     * burn shares, epoch length (fixed for good: epochs name reports) and dispute window.
     */
    constructor(IERC20 token_, address governance_, address burnSink_, Config memory config)
        EIP712("Bandex Registry", "1")
    {
        if (address(token_) == address(0) || governance_ == address(0) || burnSink_ == address(0)) {
            revert ZeroAddress();
        }
        _checkBounds(config.epochLength, 1, MAX_EPOCH_LENGTH);
        _token = token_;
        _governance = governance_;
        _burnSink = burnSink_;
        _epochLength = config.epochLength;
        _setMinStake(config.minStake);
        _setAuditorMinStake(config.auditorMinStake);
        _setUnbondingDelay(config.unbondingDelay);
        _setCommitteeSize(config.committeeSize);
        _setQuorumBps(config.quorumBps);
        _setSlashBps(config.slashBps);
        _setSlashBurnBps(config.slashBurnBps);
        _setDisputeWindow(config.disputeWindow);
    }

    modifier onlyGovernance() {
        if (msg.sender != _governance) revert NotGovernance(msg.sender);
        _;
    }

    // ─────────────────────────────────────────────── providers ───────────────────────────────────

    /// @notice Registers `msg.sender` as a provider, pulling `stake` (>= minStake) tokens.
    function registerProvider(
        bytes calldata peerId,
        uint256 priceWeiPerGiB,
        bytes2 region,
        uint64 capacityBytesPerSec,
        string calldata metadata,
        uint256 stake
    ) external {
        if (_providerIndex[msg.sender] != 0) revert AlreadyRegistered(msg.sender);
        if (stake < _minStake) revert InsufficientStake(msg.sender, stake, _minStake);
        _checkOffer(peerId, metadata);
        Provider storage p = _providers[msg.sender];
        p.peerId = peerId;
        p.priceWeiPerGiB = priceWeiPerGiB;
        p.region = region;
        p.capacityBytesPerSec = capacityBytesPerSec;
        p.metadata = metadata;
        p.bonded = stake;
        p.registeredAt = uint64(block.timestamp);
        p.offerEpoch = currentEpoch();
        _providerList.push(msg.sender);
        _providerIndex[msg.sender] = _providerList.length;
        emit ProviderRegistered(msg.sender, peerId, priceWeiPerGiB, region, capacityBytesPerSec, metadata, stake);
        _token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /**
     * @notice Updates the caller's offer (stake is unchanged), at most once per epoch (`OfferUpdateTooSoon`):
     * a provider cannot switch its price, capacity or region back and forth while clients choose and auditors
     * measure; sessions keep the price they started with.
     */
    function updateProvider(
        bytes calldata peerId,
        uint256 priceWeiPerGiB,
        bytes2 region,
        uint64 capacityBytesPerSec,
        string calldata metadata
    ) external {
        if (_providerIndex[msg.sender] == 0) revert NotRegistered(msg.sender);
        _checkOffer(peerId, metadata);
        Provider storage p = _providers[msg.sender];
        uint64 epoch = currentEpoch();
        if (p.offerEpoch == epoch) revert OfferUpdateTooSoon(msg.sender, epoch + 1);
        p.offerEpoch = epoch;
        p.peerId = peerId;
        p.priceWeiPerGiB = priceWeiPerGiB;
        p.region = region;
        p.capacityBytesPerSec = capacityBytesPerSec;
        p.metadata = metadata;
        emit ProviderUpdated(msg.sender, peerId, priceWeiPerGiB, region, capacityBytesPerSec, metadata);
    }

    /// @notice Adds `amount` to the caller's bonded provider stake.
    function addStake(uint256 amount) external {
        if (_providerIndex[msg.sender] == 0) revert NotRegistered(msg.sender);
        if (amount == 0) revert ZeroAmount();
        Provider storage p = _providers[msg.sender];
        p.bonded += amount;
        emit StakeAdded(msg.sender, amount, p.bonded);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /**
     * @notice Moves `amount` of bonded provider stake to unbonding and restarts the delay. What stays
     * bonded must be zero (leaving) or at least minStake.
     */
    function unbond(uint256 amount) external {
        if (_providerIndex[msg.sender] == 0) revert NotRegistered(msg.sender);
        Provider storage p = _providers[msg.sender];
        (p.bonded, p.unbonding, p.unbondingReadyAt) = _unbond(msg.sender, p.bonded, p.unbonding, amount, _minStake);
    }

    /// @notice Pays out the caller's unbonded provider stake after the delay; removes a provider left with none.
    function withdraw() external {
        if (_providerIndex[msg.sender] == 0) revert NotRegistered(msg.sender);
        if (_pendingSlashes[msg.sender] != 0) revert SlashPending(msg.sender);
        Provider storage p = _providers[msg.sender];
        uint256 amount = _checkWithdraw(msg.sender, p.unbonding, p.unbondingReadyAt);
        p.unbonding = 0;
        p.unbondingReadyAt = 0;
        if (p.bonded == 0) _removeProvider(msg.sender);
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ─────────────────────────────────────────────── auditors ────────────────────────────────────

    /// @notice Registers `msg.sender` as an auditor, pulling `stake` (>= auditorMinStake) tokens. Its stake
    /// weighs in committees from `ACTIVATION_EPOCHS` epochs on.
    function registerAuditor(uint256 stake) external {
        Auditor storage a = _auditors[msg.sender];
        if (a.registered) revert AlreadyRegistered(msg.sender);
        if (stake < _auditorMinStake) revert InsufficientStake(msg.sender, stake, _auditorMinStake);
        a.registered = true;
        a.bonded = stake;
        _scheduleWeight(msg.sender, a, stake);
        _auditorList.push(msg.sender);
        _auditorIndex[msg.sender] = _auditorList.length;
        emit AuditorRegistered(msg.sender, stake);
        _token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @notice Adds `amount` to the caller's bonded auditor stake (it weighs from `ACTIVATION_EPOCHS` on).
    function addAuditorStake(uint256 amount) external {
        Auditor storage a = _auditors[msg.sender];
        if (!a.registered) revert NotRegistered(msg.sender);
        if (amount == 0) revert ZeroAmount();
        a.bonded += amount;
        _scheduleWeight(msg.sender, a, a.bonded);
        emit StakeAdded(msg.sender, amount, a.bonded);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Starts unbonding `amount` of auditor stake (the rest must be zero or >= auditorMinStake). The
    /// committee weight drops `ACTIVATION_EPOCHS` epochs later; the stake stays slashable until withdrawn.
    function unbondAuditor(uint256 amount) external {
        Auditor storage a = _auditors[msg.sender];
        if (!a.registered) revert NotRegistered(msg.sender);
        (a.bonded, a.unbonding, a.unbondingReadyAt) =
            _unbond(msg.sender, a.bonded, a.unbonding, amount, _auditorMinStake);
        _scheduleWeight(msg.sender, a, a.bonded);
    }

    /// @notice Pays out unbonded auditor stake after the delay; deregisters an auditor left with none (once its
    /// weight has been zero for `REPORT_WINDOW_EPOCHS`, else `WeightChangePending`).
    function withdrawAuditor() external {
        Auditor storage a = _auditors[msg.sender];
        if (!a.registered) revert NotRegistered(msg.sender);
        uint256 amount = _checkWithdraw(msg.sender, a.unbonding, a.unbondingReadyAt);
        a.unbonding = 0;
        a.unbondingReadyAt = 0;
        if (a.bonded == 0) {
            // Leaving the list changes the draw of every epoch it was weighed in: only once no epoch a
            // slash may still be proposed for saw its weight.
            uint64 free = a.weightEpoch + REPORT_WINDOW_EPOCHS;
            if (currentEpoch() < free) revert WeightChangePending(msg.sender, free);
            delete _auditors[msg.sender];
            _removeAuditor(msg.sender);
            emit AuditorRemoved(msg.sender);
        }
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /**
     * @notice Draws the seeds of the current and the next epoch from `block.prevrandao`, if not drawn yet.
     * Auditors call it early in each epoch, so the next epoch's committees are fixed before it starts; the
     * current epoch's is drawn only when nobody called during the epoch before. Anyone may call it.
     */
    function drawSeed() external {
        uint64 current = currentEpoch();
        _drawSeed(current);
        _drawSeed(current + 1);
    }

    /**
     * @notice Anchors the digest of the audit reports the caller gossiped for `epoch` (issue #6: reports travel
     * over gossip; their digest is anchored on chain). Only a registered auditor with bonded stake >=
     * auditorMinStake may anchor, once per (auditor, epoch). Nothing is stored but the used-flag: the digest
     * and count live in the `ReportsAnchored` event.
     */
    function anchorReports(uint64 epoch, bytes32 digest, uint32 count) external {
        uint64 current = currentEpoch();
        if (epoch >= current) revert EpochOutOfWindow(epoch, current);
        Auditor storage a = _auditors[msg.sender];
        uint256 floor = _auditorMinStake;
        if (!a.registered || a.bonded < floor) revert NotStakedAuditor(msg.sender, a.bonded, floor);
        mapping(uint256 => uint256) storage words = _anchored[msg.sender];
        uint256 word = epoch >> 8;
        uint256 bit = uint256(1) << (epoch & 0xff);
        uint256 bits = words[word];
        if (bits & bit != 0) revert AlreadyAnchored(msg.sender, epoch);
        words[word] = bits | bit;
        emit ReportsAnchored(msg.sender, epoch, digest, count);
    }

    // ─────────────────────────────────────────────── slashing ────────────────────────────────────

    /**
     * @notice Proposes to slash `report.provider` for `report.epoch` on the signatures of a quorum of that
     * epoch's committee ({committeeOf}), in strictly increasing signer order, each signer having anchored
     * its reports of the epoch. The epoch must be one of the last `REPORT_WINDOW_EPOCHS` finished ones and
     * the provider not yet slashed for it. Nothing moves until {finalizeSlash}, after the dispute window.
     * @return id keccak256(provider, epoch): the slash's handle.
     */
    function proposeSlash(Report calldata report, bytes[] calldata signatures) external returns (bytes32 id) {
        uint8 kind = report.kind;
        if (kind != KIND_BLACKHOLE && kind != KIND_UNDERPERFORMANCE && kind != KIND_OFFLINE) {
            revert InvalidReportKind(kind);
        }
        uint64 epoch = report.epoch;
        uint64 current = currentEpoch();
        if (epoch >= current || current > epoch + REPORT_WINDOW_EPOCHS) revert EpochOutOfWindow(epoch, current);
        address provider = report.provider;
        if (_providerIndex[provider] == 0) revert NotRegistered(provider);
        id = keccak256(abi.encode(provider, epoch));
        if (_slashes[id].state != 0) revert ReportAlreadyUsed(provider, epoch);

        address[] memory signers = _committeeSigners(reportDigest(report), signatures, provider, epoch);
        uint256 readyAt = block.timestamp + _disputeWindow;
        // casting is safe: epochs and timestamps stay far below 2^40 for millennia
        // forge-lint: disable-next-line(unsafe-typecast)
        _slashes[id] = PendingSlash(
            provider, uint40(readyAt), uint40(epoch), kind, SLASH_PENDING, report.evidence, keccak256(abi.encode(signers))
        );
        ++_pendingSlashes[provider];
        emit SlashProposed(id, provider, epoch, kind, report.evidence, signers, readyAt);
    }

    /**
     * @notice Answers a proposed slash with evidence against it, while its dispute window is open. `reports`
     * are the audit reports its `evidence` names (ascending digests; checked). The slash is void when
     * `reports[index]` does not support the finding (a black hole needs `MIN_PROBES` canaries and under half
     * delivered through a named probe session; underperformance a claim and a session; offline a refused
     * session), or when `receipt`, signed by that report's probe payer for checkpoint `checkpoint` of its
     * probe session (its `sessionId` is `keccak256(abi.encode(probeSession, checkpoint))`, as daemons number
     * a session's receipts; any receipt of that payer for an offline report, which names no session),
     * acknowledges more bytes received than the report states. The
     * contradicted auditor then loses `slashBps` of its stake (burned) and its committee weight; no signer
     * is rewarded; the provider may not be slashed again for that epoch.
     */
    function disputeSlash(
        bytes32 id,
        AuditReport[] calldata reports,
        uint256 index,
        uint64 checkpoint,
        Receipt calldata receipt,
        bytes calldata payerSignature
    ) external {
        PendingSlash storage s = _slashes[id];
        if (s.state != SLASH_PENDING) revert SlashNotPending(id);
        if (block.timestamp >= s.readyAt) revert DisputeWindowClosed(id, s.readyAt);
        uint256 n = reports.length;
        bytes32[] memory digests = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            digests[i] = auditReportDigest(reports[i]);
            if (i > 0 && digests[i] <= digests[i - 1]) revert EvidenceMismatch(id);
        }
        if (keccak256(abi.encodePacked(digests)) != s.evidence) revert EvidenceMismatch(id);
        AuditReport calldata r = reports[index];
        if (r.provider != s.provider || r.epoch != s.epoch) revert EvidenceMismatch(id);
        if (_supports(s.kind, r)) _checkContradiction(id, index, r, checkpoint, receipt, payerSignature);
        s.state = SLASH_DISPUTED;
        --_pendingSlashes[s.provider];
        emit SlashDisputed(id, s.provider, r.auditor, _slashAuditor(r.auditor));
    }

    /**
     * @notice Carries out a proposed slash once its dispute window has passed undisputed: takes `slashBps`
     * of the provider's stake (a tenth of it, and jail until the next epoch, for `KIND_OFFLINE`), rewards
     * `signers` (as proposed) with the unburned share and burns the rest. Anyone may call it.
     */
    function finalizeSlash(bytes32 id, address[] calldata signers) external {
        PendingSlash storage s = _slashes[id];
        if (s.state != SLASH_PENDING) revert SlashNotPending(id);
        if (block.timestamp < s.readyAt) revert DisputeWindowOpen(id, s.readyAt);
        if (keccak256(abi.encode(signers)) != s.signersHash) revert SignersMismatch(id);
        s.state = SLASH_FINALIZED;
        address provider = s.provider;
        --_pendingSlashes[provider];
        uint8 kind = s.kind;
        emit ReportSlashed(id, provider, s.epoch, kind, s.evidence);
        if (kind == KIND_OFFLINE) {
            uint64 until = currentEpoch() + 1;
            _providers[provider].jailedUntil = until;
            emit Jailed(provider, until);
            _slash(provider, signers, id, _slashBps / OFFLINE_SLASH_DIVISOR);
        } else {
            _slash(provider, signers, id, _slashBps);
        }
    }

    /// @notice Ends the caller's jail once its epoch has come: answering again is up to the provider.
    function unjail() external {
        Provider storage p = _providers[msg.sender];
        uint64 until = p.jailedUntil;
        if (until == 0) revert NotJailed(msg.sender);
        if (currentEpoch() < until) revert JailNotOver(msg.sender, until);
        p.jailedUntil = 0;
        emit Unjailed(msg.sender);
    }

    /**
     * @notice Slashes `provider` for equivocation: two receipts with the same sessionId and different
     * contents, both signed by the provider. Once per (provider, sessionId); the reward goes to the caller.
     */
    function slashEquivocation(
        address provider,
        Receipt calldata a,
        bytes calldata sigA,
        Receipt calldata b,
        bytes calldata sigB
    ) external {
        if (a.sessionId != b.sessionId) revert SessionMismatch(a.sessionId, b.sessionId);
        bytes32 hashA = _hashReceipt(a);
        bytes32 hashB = _hashReceipt(b);
        if (hashA == hashB) revert NotEquivocation(a.sessionId);
        bytes32 key = keccak256(abi.encode(provider, a.sessionId));
        if (_usedEquivocations[key]) revert EquivocationAlreadySlashed(provider, a.sessionId);
        _usedEquivocations[key] = true;
        _checkProviderSig(_hashTypedDataV4(hashA), sigA, provider);
        _checkProviderSig(_hashTypedDataV4(hashB), sigB, provider);
        emit EquivocationSlashed(provider, a.sessionId, msg.sender);
        address[] memory reporters = new address[](1);
        reporters[0] = msg.sender;
        if (_slash(provider, reporters, key, _slashBps) == 0) revert NothingToSlash(provider);
    }

    // ─────────────────────────────────────────────── governance ──────────────────────────────────

    function setMinStake(uint256 v) external onlyGovernance {
        _setMinStake(v);
    }

    function setAuditorMinStake(uint256 v) external onlyGovernance {
        _setAuditorMinStake(v);
    }

    function setUnbondingDelay(uint256 v) external onlyGovernance {
        _setUnbondingDelay(v);
    }

    function setCommitteeSize(uint256 v) external onlyGovernance {
        _setCommitteeSize(v);
    }

    function setQuorumBps(uint256 v) external onlyGovernance {
        _setQuorumBps(v);
    }

    function setDisputeWindow(uint256 v) external onlyGovernance {
        _setDisputeWindow(v);
    }

    function setSlashBps(uint256 v) external onlyGovernance {
        _setSlashBps(v);
    }

    function setSlashBurnBps(uint256 v) external onlyGovernance {
        _setSlashBurnBps(v);
    }

    // ─────────────────────────────────────────────── views ───────────────────────────────────────

    /// @notice Slashable stake of a provider: bonded plus unbonding not yet withdrawn.
    function stakeOf(address provider) external view returns (uint256) {
        Provider storage p = _providers[provider];
        return p.bonded + p.unbonding;
    }

    /// @notice Slashable stake of an auditor: bonded plus unbonding not yet withdrawn.
    function auditorStakeOf(address auditor) external view returns (uint256) {
        Auditor storage a = _auditors[auditor];
        return a.bonded + a.unbonding;
    }

    function getProvider(address provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    function getAuditor(address auditor) external view returns (Auditor memory) {
        return _auditors[auditor];
    }

    function isProvider(address account) external view returns (bool) {
        return _providerIndex[account] != 0;
    }

    /// @notice A provider whose bonded stake meets the current minimum and that is not jailed.
    function isActiveProvider(address account) external view returns (bool) {
        return _providerIndex[account] != 0 && _providers[account].bonded >= _minStake
            && _providers[account].jailedUntil == 0;
    }

    function isAuditor(address account) external view returns (bool) {
        return _auditors[account].registered;
    }

    function providerCount() external view returns (uint256) {
        return _providerList.length;
    }

    function auditorCount() external view returns (uint256) {
        return _auditorList.length;
    }

    function auditorAt(uint256 index) external view returns (address) {
        return _auditorList[index];
    }

    function isJailed(address provider) external view returns (bool) {
        return _providers[provider].jailedUntil != 0;
    }

    /// @notice The epoch now: `block.timestamp / epochLength`.
    function currentEpoch() public view returns (uint64) {
        // casting is safe: block.timestamp / epochLength stays far below 2^64
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint64(block.timestamp / _epochLength);
    }

    /// @notice The seed of `epoch`'s committees (zero: not drawn yet, see {drawSeed}).
    function seedOf(uint64 epoch) external view returns (bytes32) {
        return _seeds[epoch];
    }

    /// @notice `auditor`'s committee weight in `epoch`.
    function weightOf(address auditor, uint64 epoch) external view returns (uint256) {
        return _weightAt(_auditors[auditor], epoch);
    }

    /**
     * @notice The committee of `provider` in `epoch`: `min(committeeSize, auditors with weight)` auditors
     * drawn by stake weight without replacement, from the epoch's seed. Reverts `NoSeed` before the draw.
     */
    function committeeOf(address provider, uint64 epoch) public view returns (address[] memory members) {
        bytes32 seed = _seeds[epoch];
        if (seed == 0) revert NoSeed(epoch);
        uint256 n = _auditorList.length;
        address[] memory pool = new address[](n);
        uint256[] memory weights = new uint256[](n);
        uint256 total;
        uint256 m;
        for (uint256 i = 0; i < n; ++i) {
            address a = _auditorList[i];
            uint256 w = _weightAt(_auditors[a], epoch);
            if (w == 0) continue;
            pool[m] = a;
            weights[m] = w;
            total += w;
            ++m;
        }
        uint256 k = _committeeSize < m ? _committeeSize : m;
        members = new address[](k);
        for (uint256 j = 0; j < k; ++j) {
            uint256 r = uint256(keccak256(abi.encode(seed, provider, j))) % total;
            uint256 i = 0;
            while (r >= weights[i]) {
                r -= weights[i];
                ++i;
            }
            members[j] = pool[i];
            total -= weights[i];
            weights[i] = 0;
        }
    }

    /// @notice Signatures a slash needs from a committee of `size`: `quorumBps` of it, rounded up, at least two.
    function quorumOf(uint256 size) public view returns (uint256) {
        uint256 q = (size * _quorumBps + BPS - 1) / BPS;
        return q < MIN_SIGNERS ? MIN_SIGNERS : q;
    }

    /// @notice The slash of `provider` for `epoch` (state 0 none, 1 pending, 2 disputed, 3 finalized).
    function slashOf(address provider, uint64 epoch) external view returns (PendingSlash memory) {
        return _slashes[keccak256(abi.encode(provider, epoch))];
    }

    function providerAt(uint256 index) external view returns (address) {
        return _providerList[index];
    }

    /// @notice A page of registered provider addresses (`limit` capped at MAX_PAGE). Order changes on removal.
    function providers(uint256 offset, uint256 limit) external view returns (address[] memory page) {
        uint256 len = _providerList.length;
        if (offset >= len) return new address[](0);
        if (limit > MAX_PAGE) limit = MAX_PAGE;
        uint256 end = offset + limit > len ? len : offset + limit;
        page = new address[](end - offset);
        for (uint256 i = offset; i < end; ++i) {
            page[i - offset] = _providerList[i];
        }
    }

    /// @notice Whether a slash of `provider` for `epoch` was ever proposed (once per provider and epoch).
    function isReportUsed(address provider, uint64 epoch) external view returns (bool) {
        return _slashes[keccak256(abi.encode(provider, epoch))].state != 0;
    }

    /// @notice Whether `auditor` has anchored its reports of `epoch` ({anchorReports}).
    function isAnchored(address auditor, uint64 epoch) public view returns (bool) {
        return _anchored[auditor][epoch >> 8] & (uint256(1) << (epoch & 0xff)) != 0;
    }

    function isEquivocationSlashed(address provider, bytes32 sessionId) external view returns (bool) {
        return _usedEquivocations[keccak256(abi.encode(provider, sessionId))];
    }

    /// @notice EIP-712 digest of a report (what each auditor signs).
    function reportDigest(Report calldata report) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(REPORT_TYPEHASH, report.provider, report.epoch, report.kind, report.evidence))
        );
    }

    /// @notice EIP-712 digest of an audit report (what its auditor signs; `evidence` hashes these).
    function auditReportDigest(AuditReport calldata report) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(AUDIT_REPORT_TYPEHASH, report)));
    }

    /// @notice EIP-712 digest of a receipt (what the provider signs).
    function receiptDigest(Receipt calldata receipt) external view returns (bytes32) {
        return _hashTypedDataV4(_hashReceipt(receipt));
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function token() external view returns (IERC20) {
        return _token;
    }

    function governance() external view returns (address) {
        return _governance;
    }

    function burnSink() external view returns (address) {
        return _burnSink;
    }

    function minStake() external view returns (uint256) {
        return _minStake;
    }

    function auditorMinStake() external view returns (uint256) {
        return _auditorMinStake;
    }

    function unbondingDelay() external view returns (uint256) {
        return _unbondingDelay;
    }

    function committeeSize() external view returns (uint256) {
        return _committeeSize;
    }

    function quorumBps() external view returns (uint256) {
        return _quorumBps;
    }

    function disputeWindow() external view returns (uint256) {
        return _disputeWindow;
    }

    function epochLength() external view returns (uint256) {
        return _epochLength;
    }

    function slashBps() external view returns (uint256) {
        return _slashBps;
    }

    function slashBurnBps() external view returns (uint256) {
        return _slashBurnBps;
    }

    // ─────────────────────────────────────────────── internal ────────────────────────────────────

    function _checkOffer(bytes calldata peerId, string calldata metadata) internal pure {
        if (peerId.length == 0) revert EmptyPeerId();
        if (peerId.length > MAX_PEER_ID_LENGTH) revert PeerIdTooLong(peerId.length, MAX_PEER_ID_LENGTH);
        if (bytes(metadata).length > MAX_METADATA_LENGTH) {
            revert MetadataTooLong(bytes(metadata).length, MAX_METADATA_LENGTH);
        }
    }

    function _unbond(address account, uint256 bonded, uint256 unbonding, uint256 amount, uint256 floor)
        internal
        returns (uint256, uint256, uint64)
    {
        if (amount == 0) revert ZeroAmount();
        if (amount > bonded) revert InsufficientBonded(account, bonded, amount);
        // amount <= bonded checked above.
        unchecked {
            bonded -= amount;
        }
        if (bonded != 0 && bonded < floor) revert InsufficientStake(account, bonded, floor);
        unbonding += amount;
        // casting is safe because timestamp + MAX_UNBONDING_DELAY stays far below 2^64
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 readyAt = uint64(block.timestamp + _unbondingDelay);
        emit Unbonded(account, amount, unbonding, readyAt);
        return (bonded, unbonding, readyAt);
    }

    function _checkWithdraw(address account, uint256 unbonding, uint64 readyAt) internal view returns (uint256) {
        if (unbonding == 0) revert NothingToWithdraw(account);
        if (block.timestamp < readyAt) revert UnbondingNotReady(account, readyAt, block.timestamp);
        return unbonding;
    }

    function _removeProvider(address provider) internal {
        uint256 index = _providerIndex[provider] - 1;
        uint256 last = _providerList.length - 1;
        if (index != last) {
            address moved = _providerList[last];
            _providerList[index] = moved;
            _providerIndex[moved] = index + 1;
        }
        _providerList.pop();
        delete _providerIndex[provider];
        delete _providers[provider];
        emit ProviderRemoved(provider);
    }

    function _hashReceipt(Receipt calldata r) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                RECEIPT_TYPEHASH, r.sessionId, r.channelId, r.bytesUp, r.bytesDown, r.amount, r.startTime, r.endTime
            )
        );
    }

    function _checkProviderSig(bytes32 digest, bytes calldata sig, address provider) internal pure {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, sig);
        if (err != ECDSA.RecoverError.NoError || signer != provider) revert NotSignedByProvider(signer, provider);
    }

    /// @dev Takes `bps` of the provider's stake (bonded first, then unbonding), burns and rewards; returns it.
    function _slash(address provider, address[] memory reporters, bytes32 reason, uint256 bps)
        internal
        returns (uint256 amount)
    {
        Provider storage p = _providers[provider];
        uint256 bonded = p.bonded;
        uint256 unbonding = p.unbonding;
        amount = (bonded + unbonding) * bps / BPS;
        if (amount == 0) return 0;
        if (amount <= bonded) {
            p.bonded = bonded - amount;
        } else {
            p.bonded = 0;
            // amount <= bonded + unbonding since bps <= BPS.
            unchecked {
                p.unbonding = unbonding - (amount - bonded);
            }
        }
        uint256 burned = amount * _slashBurnBps / BPS;
        uint256 n = reporters.length;
        uint256 share = (amount - burned) / n;
        // The rounding dust of the equal split is burned too: share * n <= amount - burned.
        unchecked {
            burned = amount - share * n;
        }
        emit Slashed(provider, amount, burned, amount - burned, reason);
        if (burned != 0) _token.safeTransfer(_burnSink, burned);
        if (share != 0) {
            for (uint256 i = 0; i < n; ++i) {
                _token.safeTransfer(reporters[i], share);
            }
        }
    }

    /// @dev The signers of `digest`: a quorum of the committee of (provider, epoch), strictly increasing,
    /// each having anchored the epoch's reports.
    function _committeeSigners(bytes32 digest, bytes[] calldata signatures, address provider, uint64 epoch)
        internal
        view
        returns (address[] memory signers)
    {
        address[] memory committee = committeeOf(provider, epoch);
        uint256 needed = quorumOf(committee.length);
        uint256 n = signatures.length;
        if (n < needed) revert QuorumNotReached(n, needed);
        signers = new address[](n);
        address previous;
        for (uint256 i = 0; i < n; ++i) {
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            if (signer <= previous) revert SignersNotIncreasing(i, signer, previous);
            if (!_contains(committee, signer)) revert NotInCommittee(signer, epoch);
            if (!isAnchored(signer, epoch)) revert NotAnchored(signer, epoch);
            signers[i] = signer;
            previous = signer;
        }
    }

    /// @dev Reverts unless `receipt`, signed by `r.probePayer`, for checkpoint `checkpoint` of `r.probeSession`
    /// (any when the report names no session), acknowledges more bytes received than `r` states.
    function _checkContradiction(
        bytes32 id,
        uint256 index,
        AuditReport calldata r,
        uint64 checkpoint,
        Receipt calldata receipt,
        bytes calldata payerSignature
    ) internal view {
        if (receipt.bytesDown <= r.bytesReceived) revert NotContradicting(id, index);
        if (r.probeSession != 0 && receipt.sessionId != keccak256(abi.encode(r.probeSession, checkpoint))) {
            revert NotContradicting(id, index);
        }
        (address signer, ECDSA.RecoverError err,) =
            ECDSA.tryRecoverCalldata(_hashTypedDataV4(_hashReceipt(receipt)), payerSignature);
        if (err != ECDSA.RecoverError.NoError || signer != r.probePayer) revert NotSignedByPayer(signer, r.probePayer);
    }

    /// @dev Burns `slashBps` of a contradicted auditor's stake (bonded first) and ends its committee weight
    /// from `ACTIVATION_EPOCHS` on (earlier committees stay as drawn).
    function _slashAuditor(address auditor) internal returns (uint256 amount) {
        Auditor storage a = _auditors[auditor];
        uint256 bonded = a.bonded;
        uint256 unbonding = a.unbonding;
        amount = (bonded + unbonding) * _slashBps / BPS;
        if (amount <= bonded) {
            a.bonded = bonded - amount;
        } else {
            a.bonded = 0;
            unchecked {
                a.unbonding = unbonding - (amount - bonded);
            }
        }
        uint64 current = currentEpoch();
        if (current >= a.weightEpoch) a.previousWeight = a.weight;
        a.weight = 0;
        a.weightEpoch = current + ACTIVATION_EPOCHS;
        if (amount != 0) _token.safeTransfer(_burnSink, amount);
    }

    /// @dev Sets `a`'s committee weight to `weight` from `ACTIVATION_EPOCHS` on; one change at a time, so no
    /// epoch whose seed may be drawn sees its weights change.
    function _scheduleWeight(address auditor, Auditor storage a, uint256 weight) internal {
        uint64 current = currentEpoch();
        uint64 pending = a.weightEpoch;
        if (current < pending) revert WeightChangePending(auditor, pending);
        a.previousWeight = a.weight;
        // casting is safe: no stake reaches 2^128 wei (the token supply is far below)
        // forge-lint: disable-next-line(unsafe-typecast)
        a.weight = uint128(weight);
        a.weightEpoch = current + ACTIVATION_EPOCHS;
    }

    function _weightAt(Auditor storage a, uint64 epoch) internal view returns (uint256) {
        return epoch >= a.weightEpoch ? a.weight : a.previousWeight;
    }

    function _drawSeed(uint64 epoch) internal {
        if (_seeds[epoch] != 0) return;
        bytes32 seed = keccak256(abi.encode(block.prevrandao, epoch, address(this)));
        _seeds[epoch] = seed;
        emit SeedDrawn(epoch, seed);
    }

    function _removeAuditor(address auditor) internal {
        uint256 index = _auditorIndex[auditor] - 1;
        uint256 last = _auditorList.length - 1;
        if (index != last) {
            address moved = _auditorList[last];
            _auditorList[index] = moved;
            _auditorIndex[moved] = index + 1;
        }
        _auditorList.pop();
        delete _auditorIndex[auditor];
    }

    function _contains(address[] memory list, address item) internal pure returns (bool) {
        for (uint256 i = 0; i < list.length; ++i) {
            if (list[i] == item) return true;
        }
        return false;
    }

    /// @dev Whether one audit report, on its face, supports a finding of `kind` (see {disputeSlash}).
    function _supports(uint8 kind, AuditReport calldata r) internal pure returns (bool) {
        if (kind == KIND_BLACKHOLE) {
            return r.probeSession != 0 && r.probesSent >= MIN_PROBES && uint256(r.probesDelivered) * 2 < r.probesSent;
        }
        if (kind == KIND_UNDERPERFORMANCE) return r.probeSession != 0 && r.claimedBps != 0;
        return r.sessionsAttempted != 0 && r.sessionsServed == 0;
    }

    function _setMinStake(uint256 v) internal {
        _checkBounds(v, MIN_STAKE_FLOOR, MIN_STAKE_CEILING);
        emit ParameterUpdated("minStake", _minStake, v);
        _minStake = v;
    }

    function _setAuditorMinStake(uint256 v) internal {
        _checkBounds(v, MIN_STAKE_FLOOR, MIN_STAKE_CEILING);
        emit ParameterUpdated("auditorMinStake", _auditorMinStake, v);
        _auditorMinStake = v;
    }

    function _setUnbondingDelay(uint256 v) internal {
        _checkBounds(v, MIN_UNBONDING_DELAY, MAX_UNBONDING_DELAY);
        emit ParameterUpdated("unbondingDelay", _unbondingDelay, v);
        _unbondingDelay = v;
    }

    function _setCommitteeSize(uint256 v) internal {
        _checkBounds(v, MIN_COMMITTEE, MAX_COMMITTEE);
        emit ParameterUpdated("committeeSize", _committeeSize, v);
        _committeeSize = v;
    }

    function _setQuorumBps(uint256 v) internal {
        _checkBounds(v, MIN_QUORUM_BPS, BPS);
        emit ParameterUpdated("quorumBps", _quorumBps, v);
        _quorumBps = v;
    }

    /// @dev At least one epoch: a provider must have time to see the proposal and answer it.
    function _setDisputeWindow(uint256 v) internal {
        _checkBounds(v, _epochLength, MAX_DISPUTE_WINDOW);
        emit ParameterUpdated("disputeWindow", _disputeWindow, v);
        _disputeWindow = v;
    }

    function _setSlashBps(uint256 v) internal {
        _checkBounds(v, MIN_SLASH_BPS, MAX_SLASH_BPS);
        emit ParameterUpdated("slashBps", _slashBps, v);
        _slashBps = v;
    }

    function _setSlashBurnBps(uint256 v) internal {
        _checkBounds(v, 0, MAX_SLASH_BURN_BPS);
        emit ParameterUpdated("slashBurnBps", _slashBurnBps, v);
        _slashBurnBps = v;
    }

    function _checkBounds(uint256 v, uint256 min, uint256 max) internal pure {
        if (v < min || v > max) revert ParameterOutOfBounds(v, min, max);
    }
}
