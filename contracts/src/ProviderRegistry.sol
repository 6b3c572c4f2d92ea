// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/**
 * @title ProviderRegistry
 * @notice Staked registry of Bandex providers and auditors, with slashing on verifiable evidence only:
 * (a) a quorum of staked auditors' EIP-712 `Report` signatures, or (b) provider equivocation: two
 * different `Receipt`s for the same `sessionId`, both signed by the provider.
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

    /// @notice An auditor's signed finding about a provider in an epoch.
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
    }

    /// @notice An auditor's stake record.
    struct Auditor {
        bool registered;
        uint256 bonded;
        uint256 unbonding;
        uint64 unbondingReadyAt;
    }

    // ─────────────────────────────────────────────── constants ───────────────────────────────────

    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(bytes32 sessionId,bytes32 channelId,uint64 bytesUp,uint64 bytesDown,uint256 amount,uint64 startTime,uint64 endTime)"
    );
    bytes32 public constant REPORT_TYPEHASH =
        keccak256("Report(address provider,uint64 epoch,uint8 kind,bytes32 evidence)");

    uint8 public constant KIND_BLACKHOLE = 1;
    uint8 public constant KIND_UNDERPERFORMANCE = 2;
    uint256 public constant BPS = 10_000;

    /// @notice Stake bounds (both minimums): at least 1 RBT so a stake is never free, at most 1M RBT so
    /// governance cannot price every provider out.
    uint256 public constant MIN_STAKE_FLOOR = 1e18;
    uint256 public constant MIN_STAKE_CEILING = 1_000_000e18;
    /// @notice Unbonding delay bounds: long enough to gather auditor signatures against a leaving
    /// provider, short enough that stake is not locked for more than a quarter.
    uint256 public constant MIN_UNBONDING_DELAY = 1 days;
    uint256 public constant MAX_UNBONDING_DELAY = 90 days;
    /// @notice Quorum bounds: never a single auditor; at most 32 signatures (≈ 32 ecrecovers per slash).
    uint256 public constant MIN_QUORUM = 2;
    uint256 public constant MAX_QUORUM = 32;
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
    error ReportAlreadyUsed(address provider, uint64 epoch, uint8 kind);
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
    event ReportSlashed(address indexed provider, uint64 epoch, uint8 kind, bytes32 evidence);
    event EquivocationSlashed(address indexed provider, bytes32 indexed sessionId, address indexed reporter);
    event ParameterUpdated(bytes32 indexed name, uint256 oldValue, uint256 newValue);
    /// @notice An auditor's digest of the `count` reports it gossiped for `epoch` (see {anchorReports}).
    event ReportsAnchored(address indexed auditor, uint64 indexed epoch, bytes32 digest, uint32 count);

    // ─────────────────────────────────────────────── storage ─────────────────────────────────────

    IERC20 private immutable _token;
    address private immutable _governance;
    address private immutable _burnSink;

    uint256 private _minStake;
    uint256 private _auditorMinStake;
    uint256 private _unbondingDelay;
    uint256 private _auditorQuorum;
    uint256 private _slashBps;
    uint256 private _slashBurnBps;

    mapping(address => Provider) private _providers;
    address[] private _providerList;
    mapping(address => uint256) private _providerIndex; // index + 1; 0 = not registered
    mapping(address => Auditor) private _auditors;
    uint256 private _auditorCount;
    mapping(bytes32 => bool) private _usedReports; // keccak(provider, epoch, kind)
    mapping(bytes32 => bool) private _usedEquivocations; // keccak(provider, sessionId)
    /// @dev One bit per (auditor, epoch): bit `epoch % 256` of word `epoch / 256`. Consecutive epochs share a
    /// word, so after an auditor's first anchor in a 256-epoch window each anchor is a non-zero write (5k, not 22k).
    mapping(address auditor => mapping(uint256 word => uint256 bits)) private _anchored;

    // ─────────────────────────────────────────────── constructor ─────────────────────────────────

    /**
     * @param token_ the RBT token staked here.
     * @param governance_ the TimelockController owning every parameter.
     * @param burnSink_ receiver of the burned share of slashes (the BondingCurve, which absorbs it).
     * @param minStake_ provider minimum stake.
     * @param auditorMinStake_ auditor minimum stake.
     * @param unbondingDelay_ seconds between {unbond} and {withdraw}.
     * @param auditorQuorum_ auditor signatures needed by {slash}.
     * @param slashBps_ share of a provider's stake taken by one slash.
     * @param slashBurnBps_ share of a slashed amount sent to the burn sink (the rest rewards reporters).
     */
    constructor(
        IERC20 token_,
        address governance_,
        address burnSink_,
        uint256 minStake_,
        uint256 auditorMinStake_,
        uint256 unbondingDelay_,
        uint256 auditorQuorum_,
        uint256 slashBps_,
        uint256 slashBurnBps_
    ) EIP712("Bandex Registry", "1") {
        if (address(token_) == address(0) || governance_ == address(0) || burnSink_ == address(0)) {
            revert ZeroAddress();
        }
        _token = token_;
        _governance = governance_;
        _burnSink = burnSink_;
        _setMinStake(minStake_);
        _setAuditorMinStake(auditorMinStake_);
        _setUnbondingDelay(unbondingDelay_);
        _setAuditorQuorum(auditorQuorum_);
        _setSlashBps(slashBps_);
        _setSlashBurnBps(slashBurnBps_);
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
        _providerList.push(msg.sender);
        _providerIndex[msg.sender] = _providerList.length;
        emit ProviderRegistered(msg.sender, peerId, priceWeiPerGiB, region, capacityBytesPerSec, metadata, stake);
        _token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @notice Updates the caller's offer (stake is unchanged).
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
        Provider storage p = _providers[msg.sender];
        uint256 amount = _checkWithdraw(msg.sender, p.unbonding, p.unbondingReadyAt);
        p.unbonding = 0;
        p.unbondingReadyAt = 0;
        if (p.bonded == 0) _removeProvider(msg.sender);
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ─────────────────────────────────────────────── auditors ────────────────────────────────────

    /// @notice Registers `msg.sender` as an auditor, pulling `stake` (>= auditorMinStake) tokens.
    function registerAuditor(uint256 stake) external {
        Auditor storage a = _auditors[msg.sender];
        if (a.registered) revert AlreadyRegistered(msg.sender);
        if (stake < _auditorMinStake) revert InsufficientStake(msg.sender, stake, _auditorMinStake);
        a.registered = true;
        a.bonded = stake;
        ++_auditorCount;
        emit AuditorRegistered(msg.sender, stake);
        _token.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @notice Adds `amount` to the caller's bonded auditor stake.
    function addAuditorStake(uint256 amount) external {
        Auditor storage a = _auditors[msg.sender];
        if (!a.registered) revert NotRegistered(msg.sender);
        if (amount == 0) revert ZeroAmount();
        a.bonded += amount;
        emit StakeAdded(msg.sender, amount, a.bonded);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Starts unbonding `amount` of auditor stake (the rest must be zero or >= auditorMinStake).
    function unbondAuditor(uint256 amount) external {
        Auditor storage a = _auditors[msg.sender];
        if (!a.registered) revert NotRegistered(msg.sender);
        (a.bonded, a.unbonding, a.unbondingReadyAt) =
            _unbond(msg.sender, a.bonded, a.unbonding, amount, _auditorMinStake);
    }

    /// @notice Pays out unbonded auditor stake after the delay; deregisters an auditor left with none.
    function withdrawAuditor() external {
        Auditor storage a = _auditors[msg.sender];
        if (!a.registered) revert NotRegistered(msg.sender);
        uint256 amount = _checkWithdraw(msg.sender, a.unbonding, a.unbondingReadyAt);
        a.unbonding = 0;
        a.unbondingReadyAt = 0;
        if (a.bonded == 0) {
            delete _auditors[msg.sender];
            --_auditorCount;
            emit AuditorRemoved(msg.sender);
        }
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /**
     * @notice Anchors the digest of the audit reports the caller gossiped for `epoch` (issue #6: reports travel
     * over gossip; their digest is anchored on chain). Only a registered auditor with bonded stake >=
     * auditorMinStake may anchor, once per (auditor, epoch). Nothing is stored but the used-flag: the digest
     * and count live in the `ReportsAnchored` event.
     */
    function anchorReports(uint64 epoch, bytes32 digest, uint32 count) external {
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
     * @notice Slashes `report.provider` on a quorum of auditor signatures over `report`. Signers must be
     * strictly increasing addresses, each a registered auditor with bonded stake >= auditorMinStake.
     * A (provider, epoch, kind) can be slashed once. The reward is split equally among the signers.
     */
    function slash(Report calldata report, bytes[] calldata signatures) external {
        if (report.kind != KIND_BLACKHOLE && report.kind != KIND_UNDERPERFORMANCE) {
            revert InvalidReportKind(report.kind);
        }
        uint256 quorum = _auditorQuorum;
        uint256 n = signatures.length;
        if (n < quorum) revert QuorumNotReached(n, quorum);
        bytes32 key = keccak256(abi.encode(report.provider, report.epoch, report.kind));
        if (_usedReports[key]) revert ReportAlreadyUsed(report.provider, report.epoch, report.kind);
        _usedReports[key] = true;

        bytes32 digest = reportDigest(report);
        address[] memory signers = new address[](n);
        address previous;
        uint256 auditorFloor = _auditorMinStake;
        for (uint256 i = 0; i < n; ++i) {
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            if (signer <= previous) revert SignersNotIncreasing(i, signer, previous);
            Auditor storage a = _auditors[signer];
            if (!a.registered || a.bonded < auditorFloor) revert NotStakedAuditor(signer, a.bonded, auditorFloor);
            signers[i] = signer;
            previous = signer;
        }
        emit ReportSlashed(report.provider, report.epoch, report.kind, report.evidence);
        _slash(report.provider, signers, key);
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
        _slash(provider, reporters, key);
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

    function setAuditorQuorum(uint256 v) external onlyGovernance {
        _setAuditorQuorum(v);
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

    /// @notice A provider whose bonded stake meets the current minimum.
    function isActiveProvider(address account) external view returns (bool) {
        return _providerIndex[account] != 0 && _providers[account].bonded >= _minStake;
    }

    function isAuditor(address account) external view returns (bool) {
        return _auditors[account].registered;
    }

    function providerCount() external view returns (uint256) {
        return _providerList.length;
    }

    function auditorCount() external view returns (uint256) {
        return _auditorCount;
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

    function isReportUsed(address provider, uint64 epoch, uint8 kind) external view returns (bool) {
        return _usedReports[keccak256(abi.encode(provider, epoch, kind))];
    }

    /// @notice Whether `auditor` has anchored its reports of `epoch` ({anchorReports}).
    function isAnchored(address auditor, uint64 epoch) external view returns (bool) {
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

    function auditorQuorum() external view returns (uint256) {
        return _auditorQuorum;
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

    /// @dev Takes slashBps of the provider's stake (bonded first, then unbonding), burns and rewards.
    function _slash(address provider, address[] memory reporters, bytes32 reason) internal {
        Provider storage p = _providers[provider];
        uint256 bonded = p.bonded;
        uint256 unbonding = p.unbonding;
        uint256 amount = (bonded + unbonding) * _slashBps / BPS;
        if (amount == 0) revert NothingToSlash(provider);
        if (amount <= bonded) {
            p.bonded = bonded - amount;
        } else {
            p.bonded = 0;
            // amount <= bonded + unbonding since slashBps <= BPS.
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

    function _setAuditorQuorum(uint256 v) internal {
        _checkBounds(v, MIN_QUORUM, MAX_QUORUM);
        emit ParameterUpdated("auditorQuorum", _auditorQuorum, v);
        _auditorQuorum = v;
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
