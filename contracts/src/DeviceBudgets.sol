// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeTransferLib} from "solady/utils/SafeTransferLib.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {PaymentChannels} from "./PaymentChannels.sol";
import {IChannelRefundReceiver} from "./interfaces/IChannelRefundReceiver.sol";

/**
 * @title DeviceBudgets
 * @notice Spending budgets enforced on chain for unattended devices. An owner deposits RBT once and names
 * device keys, each with a budget per period. A device spends only by opening payment channels: it signs an
 * EIP-712 `OpenChannel` request (no gas, no tokens of its own; anyone, e.g. its provider or the owner's
 * relayer, submits it), the contract checks the device's budget for the current period, takes the deposit
 * from the owner's balance and opens the channel with {PaymentChannels.openFor} — the device key is the
 * channel's payer (it signs the vouchers), this contract its refund receiver: the unspent rest of every
 * channel comes back to the owner's balance ({onChannelRefund}).
 *
 * What a stolen device key can take: at most its budget per period, and only as channel deposits (the thief
 * can redeem them to a payee of its choice); the owner's {revokeDevice} stops it at once. Periods are fixed
 * windows (`block.timestamp / period`), so across a window boundary a device can spend up to twice its
 * budget within a short time; that bound is what the owner sets.
 */
contract DeviceBudgets is EIP712, IChannelRefundReceiver {
    /// @notice A device's budget: who pays for it, how much per period, and what it spent in the current one.
    struct Device {
        address owner;
        uint96 budget;
        uint32 period;
        uint64 window;
        uint96 spent;
    }

    /// @notice EIP-712 type hash of a device's signed request to open a channel.
    bytes32 public constant OPEN_CHANNEL_TYPEHASH = keccak256(
        "OpenChannel(address payee,uint256 deposit,uint256 premiumBps,uint256 nonce,uint256 deadline)"
    );
    /// @notice Shortest budget period (a device's budget cannot be refilled faster).
    uint256 public constant MIN_PERIOD = 1 minutes;
    /// @notice Longest budget period.
    uint256 public constant MAX_PERIOD = 365 days;

    IERC20 private immutable _token;
    PaymentChannels private immutable _channels;

    mapping(address owner => uint256) private _balances;
    mapping(address device => Device) private _devices;
    mapping(address device => uint256) private _nonces;
    mapping(bytes32 channelId => address owner) private _channelOwners;

    error ZeroAmount();
    error NotOwner(address device, address caller, address owner);
    error UnknownDevice(address device);
    error PeriodOutOfBounds(uint256 period, uint256 min, uint256 max);
    error BudgetTooLarge(uint256 budget);
    error BudgetExceeded(address device, uint256 spent, uint256 deposit, uint256 budget);
    error InsufficientBalance(address owner, uint256 balance, uint256 needed);
    error RequestExpired(uint256 deadline, uint256 now_);
    error InvalidDeviceSignature(address device, address signer);
    error NotChannels(address caller);

    event Deposited(address indexed owner, uint256 amount, uint256 balance);
    event Withdrawn(address indexed owner, uint256 amount, uint256 balance);
    event DeviceSet(address indexed owner, address indexed device, uint256 budget, uint256 period);
    event DeviceRevoked(address indexed owner, address indexed device);
    event DeviceChannelOpened(
        address indexed owner, address indexed device, bytes32 indexed channelId, uint256 deposit, uint256 spent
    );
    event RefundCredited(address indexed owner, bytes32 indexed channelId, uint256 refund);

    constructor(IERC20 token_, PaymentChannels channels_) EIP712("Bandex Device Budgets", "1") {
        _token = token_;
        _channels = channels_;
        SafeTransferLib.safeApprove(address(token_), address(channels_), type(uint256).max);
    }

    // ─────────────────────────────────────────────── owner ───────────────────────────────────────

    /// @notice Adds `amount` RBT (allowance needed) to the caller's balance, which its devices spend from.
    function deposit(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = _balances[msg.sender] + amount;
        _balances[msg.sender] = balance;
        emit Deposited(msg.sender, amount, balance);
        SafeTransferLib.safeTransferFrom(address(_token), msg.sender, address(this), amount);
    }

    /// @notice Takes back `amount` of the caller's unspent balance.
    function withdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = _balances[msg.sender];
        if (balance < amount) revert InsufficientBalance(msg.sender, balance, amount);
        unchecked {
            balance -= amount;
        }
        _balances[msg.sender] = balance;
        emit Withdrawn(msg.sender, amount, balance);
        SafeTransferLib.safeTransfer(address(_token), msg.sender, amount);
    }

    /**
     * @notice Names `device` as the caller's, spending at most `budget` per `period` seconds. A device
     * belongs to one owner: another owner cannot take it over. Changing the budget keeps what was spent in
     * the current window.
     */
    function setDevice(address device, uint256 budget, uint256 period) external {
        if (device == address(0) || budget == 0) revert ZeroAmount();
        if (period < MIN_PERIOD || period > MAX_PERIOD) revert PeriodOutOfBounds(period, MIN_PERIOD, MAX_PERIOD);
        if (budget > type(uint96).max) revert BudgetTooLarge(budget);
        Device storage d = _devices[device];
        if (d.owner != address(0) && d.owner != msg.sender) revert NotOwner(device, msg.sender, d.owner);
        d.owner = msg.sender;
        // casting is safe: budget <= type(uint96).max and period <= MAX_PERIOD < 2^32, checked above
        // forge-lint: disable-next-line(unsafe-typecast)
        d.budget = uint96(budget);
        if (d.period != period) {
            // A new period length starts a new window (what was spent in the old one is forgotten only then).
            // forge-lint: disable-next-line(unsafe-typecast)
            d.period = uint32(period);
            // forge-lint: disable-next-line(unsafe-typecast)
            d.window = uint64(block.timestamp / period);
        }
        emit DeviceSet(msg.sender, device, budget, period);
    }

    /// @notice Stops `device` from opening channels. Its open channels run until they close.
    function revokeDevice(address device) external {
        address owner = _devices[device].owner;
        if (owner != msg.sender) revert NotOwner(device, msg.sender, owner);
        delete _devices[device];
        emit DeviceRevoked(msg.sender, device);
    }

    // ─────────────────────────────────────────────── devices ─────────────────────────────────────

    /**
     * @notice Opens a channel from `device` to `payee` with `deposit` from the device owner's balance, if the
     * device's budget for the current period allows it. `signature` is the device's EIP-712 `OpenChannel`
     * over (payee, deposit, premiumBps, its next nonce, deadline); anyone may submit it.
     * @return id the channel (payer = the device key, refunds to this contract, credited to the owner).
     */
    function openChannel(
        address device,
        address payee,
        uint256 deposit_,
        uint256 premiumBps,
        uint256 deadline,
        bytes calldata signature
    ) external returns (bytes32 id) {
        if (block.timestamp > deadline) revert RequestExpired(deadline, block.timestamp);
        if (deposit_ == 0) revert ZeroAmount();
        _checkRequest(device, payee, deposit_, premiumBps, deadline, signature);
        (address owner, uint256 spent) = _spend(device, deposit_);
        id = _channels.openFor(device, payee, deposit_, premiumBps, address(this));
        _channelOwners[id] = owner;
        emit DeviceChannelOpened(owner, device, id, deposit_, spent);
    }

    /// @notice Credits a closed device channel's unspent rest to its owner's balance (PaymentChannels only).
    function onChannelRefund(bytes32 id, uint256 refund) external {
        if (msg.sender != address(_channels)) revert NotChannels(msg.sender);
        address owner = _channelOwners[id];
        delete _channelOwners[id];
        _balances[owner] += refund;
        emit RefundCredited(owner, id, refund);
    }

    // ─────────────────────────────────────────────── internal ────────────────────────────────────

    /// @dev Checks the device's signature over its next nonce, and uses the nonce.
    function _checkRequest(
        address device,
        address payee,
        uint256 deposit_,
        uint256 premiumBps,
        uint256 deadline,
        bytes calldata signature
    ) internal {
        uint256 nonce = _nonces[device];
        bytes32 digest = openChannelDigest(payee, deposit_, premiumBps, nonce, deadline);
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err != ECDSA.RecoverError.NoError || signer != device) revert InvalidDeviceSignature(device, signer);
        unchecked {
            _nonces[device] = nonce + 1;
        }
    }

    /// @dev Books `deposit_` against the device's budget for this period and its owner's balance.
    function _spend(address device, uint256 deposit_) internal returns (address owner, uint256 spent) {
        Device storage d = _devices[device];
        owner = d.owner;
        if (owner == address(0)) revert UnknownDevice(device);
        uint256 window = block.timestamp / d.period;
        spent = window == d.window ? d.spent : 0;
        if (spent + deposit_ > d.budget) revert BudgetExceeded(device, spent, deposit_, d.budget);
        uint256 balance = _balances[owner];
        if (balance < deposit_) revert InsufficientBalance(owner, balance, deposit_);
        unchecked {
            _balances[owner] = balance - deposit_;
            spent += deposit_; // <= budget < 2^96
        }
        // casting is safe: window = timestamp / period < 2^64, spent <= budget < 2^96
        // forge-lint: disable-next-line(unsafe-typecast)
        d.window = uint64(window);
        // forge-lint: disable-next-line(unsafe-typecast)
        d.spent = uint96(spent);
    }

    // ─────────────────────────────────────────────── views ───────────────────────────────────────

    function balanceOf(address owner) external view returns (uint256) {
        return _balances[owner];
    }

    /// @notice A device's budget and what it can still spend in the current period.
    function deviceOf(address device) external view returns (Device memory d, uint256 available) {
        d = _devices[device];
        if (d.owner == address(0)) return (d, 0);
        uint256 spent = block.timestamp / d.period == d.window ? d.spent : 0;
        available = spent >= d.budget ? 0 : d.budget - spent;
    }

    function nonceOf(address device) external view returns (uint256) {
        return _nonces[device];
    }

    /// @notice The EIP-712 digest a device signs to open a channel.
    function openChannelDigest(address payee, uint256 deposit_, uint256 premiumBps, uint256 nonce, uint256 deadline)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(OPEN_CHANNEL_TYPEHASH, payee, deposit_, premiumBps, nonce, deadline))
        );
    }

    function token() external view returns (IERC20) {
        return _token;
    }

    function channels() external view returns (PaymentChannels) {
        return _channels;
    }
}
