// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {BandwidthToken} from "./BandwidthToken.sol";
import {BancorMath} from "./libraries/BancorMath.sol";
import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";

/// @title BondingCurve
/// @notice Mints and burns RBT against a reserve ERC-20 on a Bancor curve whose reserve ratio (the
/// "IH factor") adapts slowly to demand. Deploys RBT itself, so it is the token's only minter.
///
/// Formula state: `supply() = totalSupply + virtualSupply` and the formula reserve `reserveBalance()`,
/// which opens at the virtual reserve (the two set the opening price), grows by every buy net of the
/// spread and shrinks by every sale and every ratio change. The virtual supply is never sellable, and
/// the sale of the whole real supply never pays out more than the real reserve (the tokens held): what
/// the real supply cannot claim is surplus, which only the governance-set reward pool can receive. No
/// owner can withdraw the reserve.
///
/// IH factor: demand is the reserve inflow from buys per epoch, smoothed twice: a fast average
/// (α = 1/2) and a slow one (α = 1/16). The target ratio is `min + (max − min)·fast/(fast + slow)`:
/// steady demand sits halfway, a surge above the long-run level pushes toward `max`, a lull toward
/// `min`. The ratio moves toward the target by at most `maxStepPpm` per elapsed epoch. Higher demand
/// → higher ratio → a curve that bends less as buys come in.
///
/// Ratio-change rule: a change from rr to rr' keeps the spot price R/(S·rr) (no jump) and never raises
/// the price at any supply below the current one, so no amount of RBT in circulation can sell for more
/// afterwards: no buy-then-sell across any number of ratio moves returns more than was paid, and the
/// reserve the real supply no longer claims becomes surplus. A raise keeps the price's log-slope at the
/// current supply (S' = S·k'/k, k = 1/rr − 1; `BancorMath.raisedSupply`) and goes only as far as the
/// virtual supply allows (S' ≥ real supply + `MIN_VIRTUAL_SUPPLY`); a fall keeps the price at zero real
/// supply as well (`BancorMath.loweredSupply`), which gives back virtual supply for later raises. R
/// follows as S'·rr'·price. Proof sketch: docs/economics.md.
contract BondingCurve {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint256 private constant PPM = 1e6;
    /// @notice Ratios below 1% make the price explode with tiny buys; the formulas are tested from 1%.
    uint256 public constant MIN_RATIO_PPM = 10_000;
    /// @notice 100% is a constant price: the flattest possible curve.
    uint256 public constant MAX_RATIO_PPM = 1_000_000;
    /// @notice At most 5 percentage points per epoch, whatever governance sets: slow-moving by construction.
    uint256 public constant MAX_STEP_LIMIT_PPM = 50_000;
    /// @notice Epochs shorter than a minute could be moved within one block window; longer than 30 days is inert.
    uint256 public constant MIN_EPOCH = 1 minutes;
    uint256 public constant MAX_EPOCH = 30 days;
    /// @notice After a long pause only this many epochs are caught up at once (bounds gas and the move).
    uint256 public constant MAX_CATCHUP_EPOCHS = 8;
    /// @notice The virtual supply never drops below one token, so S > real supply always.
    uint256 public constant MIN_VIRTUAL_SUPPLY = 1e18;
    /// @notice 0.5 % of every buy is kept out of the formula reserve, as surplus: the fee of a round
    /// trip, so a wash buy-then-sell that would inflate the demand signal is never free, and a margin
    /// that covers other traders' rounding left in the formula reserve.
    uint256 public constant BUY_SPREAD_PPM = 5_000;
    /// @notice The slow demand average moves 1/16 of the way per epoch (a ~16-epoch memory).
    uint256 private constant SLOW_DEMAND_SHIFT = 4;
    /// @notice Empty epochs decayed one by one in the slow average, at most (bounds gas).
    uint256 private constant MAX_SLOW_DECAY_EPOCHS = 64;

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    error NotGovernance(address caller);
    error ZeroAmount();
    error SlippageExceeded(uint256 amountOut, uint256 minimum);
    error RatioOutOfBounds(uint256 ratioPpm, uint256 min, uint256 max);
    error InvalidRatioBounds(uint256 minRatioPpm, uint256 maxRatioPpm);
    error StepOutOfBounds(uint256 stepPpm, uint256 max);
    error EpochOutOfBounds(uint256 epochLength, uint256 min, uint256 max);
    error ZeroAddress();
    error InsufficientSurplus(uint256 amount, uint256 surplus);
    error ReserveNotCovered(uint256 payout, uint256 realReserve);
    error InvalidVirtualBalances(uint256 virtualSupply, uint256 virtualReserve);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    event Bought(address indexed buyer, uint256 reserveIn, uint256 tokensOut, uint256 spotPrice);
    event Sold(address indexed seller, uint256 tokensIn, uint256 reserveOut, uint256 spotPrice);
    event RatioChanged(uint256 oldRatioPpm, uint256 newRatioPpm, uint256 demand, uint256 epoch);
    event RatioChangeSkipped(uint256 ratioPpm, uint256 wantedRatioPpm, uint256 epoch);
    event Absorbed(address indexed from, uint256 amount);
    event SurplusReleased(address indexed rewardPool, uint256 amount);
    event RatioBoundsChanged(uint256 minRatioPpm, uint256 maxRatioPpm);
    event MaxStepChanged(uint256 maxStepPpm);
    event EpochLengthChanged(uint256 epochLength);
    event RewardPoolChanged(address rewardPool);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    IERC20 private immutable _reserveToken;
    BandwidthToken private immutable _token;
    address private immutable _governance;

    uint256 private _realReserve;
    uint256 private _reserveBalance;
    uint256 private _virtualSupply;

    uint32 private _ratioPpm;
    uint32 private _minRatioPpm;
    uint32 private _maxRatioPpm;
    uint32 private _maxStepPpm;
    uint32 private _epochLength;
    uint40 private _epochStart;

    uint256 private _epochBuys;
    uint256 private _demand;
    uint256 private _slowDemand;
    address private _rewardPool;

    modifier onlyGovernance() {
        if (msg.sender != _governance) revert NotGovernance(msg.sender);
        _;
    }

    /// @param reserveToken_ the reserve asset (a stablecoin; the devnet's TestDollar)
    /// @param governance_ the timelock that owns the parameters
    /// @param rewardPool_ receives reserve surplus (see `releaseSurplus`)
    /// @param virtualReserve_ opening formula reserve, in reserve units (never withdrawable: no reserve
    /// tokens back it)
    /// @param virtualSupply_ opening formula supply, in token units (never sellable)
    /// @param ratioPpm_ opening reserve ratio, within [minRatioPpm_, maxRatioPpm_]
    /// @param minRatioPpm_ lowest ratio the IH factor may reach (≥ 1%)
    /// @param maxRatioPpm_ highest ratio (≤ 100%)
    /// @param maxStepPpm_ largest ratio move per epoch (≤ 5 points)
    /// @param epochLength_ seconds per demand epoch
    constructor(
        IERC20 reserveToken_,
        address governance_,
        address rewardPool_,
        uint256 virtualReserve_,
        uint256 virtualSupply_,
        uint256 ratioPpm_,
        uint256 minRatioPpm_,
        uint256 maxRatioPpm_,
        uint256 maxStepPpm_,
        uint256 epochLength_
    ) {
        if (virtualSupply_ < MIN_VIRTUAL_SUPPLY || virtualReserve_ == 0) {
            revert InvalidVirtualBalances(virtualSupply_, virtualReserve_);
        }
        _reserveToken = reserveToken_;
        _governance = governance_;
        _token = new BandwidthToken();
        _reserveBalance = virtualReserve_;
        _virtualSupply = virtualSupply_;
        _setRatioBounds(minRatioPpm_, maxRatioPpm_);
        if (ratioPpm_ < minRatioPpm_ || ratioPpm_ > maxRatioPpm_) {
            revert RatioOutOfBounds(ratioPpm_, minRatioPpm_, maxRatioPpm_);
        }
        _ratioPpm = uint32(ratioPpm_);
        _setMaxStep(maxStepPpm_);
        _setEpochLength(epochLength_);
        _setRewardPool(rewardPool_);
        _epochStart = uint40(block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                                 TRADES
    //////////////////////////////////////////////////////////////*/

    /// @notice Buys RBT with `reserveIn` reserve units (needs an allowance). Reverts if fewer than
    /// `minTokensOut` would be minted.
    function buy(uint256 reserveIn, uint256 minTokensOut) external returns (uint256 tokensOut) {
        if (reserveIn == 0) revert ZeroAmount();
        _poke();
        uint256 afterSpread = _afterSpread(reserveIn);
        tokensOut = BancorMath.purchaseReturn(supply(), _reserveBalance, _ratioPpm, afterSpread);
        if (tokensOut < minTokensOut || tokensOut == 0) revert SlippageExceeded(tokensOut, minTokensOut);
        _realReserve += reserveIn;
        _reserveBalance += afterSpread;
        _epochBuys += reserveIn;
        _reserveToken.safeTransferFrom(msg.sender, address(this), reserveIn);
        _token.mint(msg.sender, tokensOut);
        emit Bought(msg.sender, reserveIn, tokensOut, spotPrice());
    }

    /// @notice Sells `tokensIn` RBT back for reserve. Reverts if less than `minReserveOut` would be paid.
    function sell(uint256 tokensIn, uint256 minReserveOut) external returns (uint256 reserveOut) {
        if (tokensIn == 0) revert ZeroAmount();
        _poke();
        uint256 reserve = _reserveBalance;
        reserveOut = BancorMath.saleReturn(supply(), reserve, _ratioPpm, tokensIn);
        if (reserveOut < minReserveOut) revert SlippageExceeded(reserveOut, minReserveOut);
        uint256 real = _realReserve;
        if (reserveOut > real) revert ReserveNotCovered(reserveOut, real);
        unchecked {
            // reserveOut ≤ real was checked above; reserveOut < reserve because the sale formula pays
            // R·(1 − (1 − t/S)^(1/rr)) < R for t < S.
            _realReserve = real - reserveOut;
            _reserveBalance = reserve - reserveOut;
        }
        _token.burn(msg.sender, tokensIn);
        _reserveToken.safeTransfer(msg.sender, reserveOut);
        emit Sold(msg.sender, tokensIn, reserveOut, spotPrice());
    }

    /// @notice Burns `amount` RBT of the caller plus all RBT this contract holds (e.g. the burn
    /// share of a slash sent beforehand), keeping the formula supply — and so the price — unchanged:
    /// the burned amount becomes virtual supply, and the reserve that backed it becomes surplus for
    /// the reward pool. Returns the total burned; a no-op when there is nothing to burn.
    function absorb(uint256 amount) external returns (uint256 burned) {
        if (amount > 0) _token.burn(msg.sender, amount);
        uint256 held = _token.balanceOf(address(this));
        if (held > 0) _token.burn(address(this), held);
        burned = amount + held;
        if (burned == 0) return 0;
        _virtualSupply += burned;
        emit Absorbed(msg.sender, burned);
    }

    /// @notice Applies any pending epoch update of the reserve ratio. Anyone may call.
    function poke() external {
        _poke();
    }

    /*//////////////////////////////////////////////////////////////
                               GOVERNANCE
    //////////////////////////////////////////////////////////////*/

    /// @notice Sends `amount` of reserve surplus to the reward pool. Only what the real supply cannot
    /// claim; the curve (and so every price and sale value) is untouched.
    function releaseSurplus(uint256 amount) external onlyGovernance {
        uint256 available = surplus();
        if (amount == 0 || amount > available) revert InsufficientSurplus(amount, available);
        _realReserve -= amount;
        _reserveToken.safeTransfer(_rewardPool, amount);
        emit SurplusReleased(_rewardPool, amount);
    }

    function setRatioBounds(uint256 minRatioPpm_, uint256 maxRatioPpm_) external onlyGovernance {
        _setRatioBounds(minRatioPpm_, maxRatioPpm_);
    }

    function setMaxStep(uint256 maxStepPpm_) external onlyGovernance {
        _setMaxStep(maxStepPpm_);
    }

    function setEpochLength(uint256 epochLength_) external onlyGovernance {
        _poke();
        _setEpochLength(epochLength_);
    }

    function setRewardPool(address rewardPool_) external onlyGovernance {
        _setRewardPool(rewardPool_);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    function token() external view returns (BandwidthToken) {
        return _token;
    }

    function reserveToken() external view returns (IERC20) {
        return _reserveToken;
    }

    function governance() external view returns (address) {
        return _governance;
    }

    /// @notice The reserve the formula uses (R): the opening virtual reserve, plus buys net of the spread,
    /// minus sales, rescaled by every ratio change. Not the tokens held: see `realReserve`.
    function reserveBalance() external view returns (uint256) {
        return _reserveBalance;
    }

    /// @notice The supply the formula uses: RBT in circulation plus the virtual supply.
    function supply() public view returns (uint256) {
        return _token.totalSupply() + _virtualSupply;
    }

    /// @notice Reserve tokens the curve holds.
    function realReserve() external view returns (uint256) {
        return _realReserve;
    }

    function virtualSupply() external view returns (uint256) {
        return _virtualSupply;
    }

    function reserveRatioPpm() external view returns (uint256) {
        return _ratioPpm;
    }

    /// @notice R/(S·rr): reserve base units per whole RBT (1e18 units), scaled by 1e18.
    function spotPrice() public view returns (uint256) {
        return BancorMath.spotPrice(supply(), _reserveBalance, _ratioPpm);
    }

    /// @notice RBT that `buy(reserveIn, 0)` would mint now (before any pending ratio update).
    function quoteBuy(uint256 reserveIn) external view returns (uint256) {
        return BancorMath.purchaseReturn(supply(), _reserveBalance, _ratioPpm, _afterSpread(reserveIn));
    }

    /// @notice Reserve that `sell(tokensIn, 0)` would pay now (before any pending ratio update).
    function quoteSell(uint256 tokensIn) external view returns (uint256) {
        return BancorMath.saleReturn(supply(), _reserveBalance, _ratioPpm, tokensIn);
    }

    /// @notice Real reserve that selling the whole real supply would not claim.
    function surplus() public view returns (uint256) {
        uint256 claim = _wholeSupplySale();
        return _realReserve > claim ? _realReserve - claim : 0;
    }

    /// @notice The demand measures (fast and slow EWMA of reserve inflow per epoch) and the current
    /// epoch's inflow so far.
    function demand() external view returns (uint256 fast, uint256 slow, uint256 currentEpochBuys) {
        return (_demand, _slowDemand, _epochBuys);
    }

    function parameters()
        external
        view
        returns (
            uint256 minRatioPpm,
            uint256 maxRatioPpm,
            uint256 maxStepPpm,
            uint256 epochLength,
            uint256 epochStart,
            address rewardPool
        )
    {
        return (_minRatioPpm, _maxRatioPpm, _maxStepPpm, _epochLength, _epochStart, _rewardPool);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Rolls finished epochs into the demand EWMA and moves the ratio toward its target.
    function _poke() private {
        uint256 length = _epochLength;
        uint256 start = _epochStart;
        if (block.timestamp < start + length) return;
        uint256 elapsed = (block.timestamp - start) / length;
        _epochStart = uint40(start + elapsed * length);

        // Fast EWMA (α = 1/2) and slow EWMA (α = 1/16): the finished epoch's buys, then decay for
        // each empty epoch after it.
        uint256 buys = _epochBuys;
        uint256 newDemand = (_demand + buys) / 2;
        uint256 halvings = elapsed - 1 > 255 ? 255 : elapsed - 1;
        newDemand >>= halvings;
        uint256 slow = _slowDemand;
        slow = buys >= slow ? slow + ((buys - slow) >> SLOW_DEMAND_SHIFT) : slow - ((slow - buys) >> SLOW_DEMAND_SHIFT);
        uint256 decays = elapsed - 1 > MAX_SLOW_DECAY_EPOCHS ? MAX_SLOW_DECAY_EPOCHS : elapsed - 1;
        for (uint256 i = 0; i < decays; ++i) {
            slow -= slow >> SLOW_DEMAND_SHIFT;
        }
        _demand = newDemand;
        _slowDemand = slow;
        _epochBuys = 0;

        uint256 current = _ratioPpm;
        uint256 min = _minRatioPpm;
        uint256 max = _maxRatioPpm;
        // No demand information: hold the ratio, but still step it back inside narrowed bounds.
        uint256 target = newDemand + slow == 0
            ? (current < min ? min : current > max ? max : current)
            : min + ((max - min) * newDemand) / (newDemand + slow);
        uint256 steps = elapsed > MAX_CATCHUP_EPOCHS ? MAX_CATCHUP_EPOCHS : elapsed;
        uint256 maxMove = steps * _maxStepPpm;
        uint256 next = target > current
            ? (target - current > maxMove ? current + maxMove : target)
            : (current - target > maxMove ? current - maxMove : target);
        if (next == current) return;
        _moveRatio(current, next, newDemand);
    }

    /// @dev Moves the ratio from `current` toward `next` under the ratio-change rule: the price at the
    /// current supply is kept, and the price at every lower supply can only fall.
    function _moveRatio(uint256 current, uint256 next, uint256 newDemand) private {
        uint256 supply_ = supply();
        uint256 realSupply = _token.totalSupply();
        uint256 wanted = next;
        uint256 newSupply;
        if (next > current) {
            // A raise shrinks the virtual supply; it goes only as far as MIN_VIRTUAL_SUPPLY remains.
            uint256 minSupply = realSupply + MIN_VIRTUAL_SUPPLY;
            uint256 reachable = BancorMath.maxRaisedRatio(supply_, current, minSupply);
            if (next > reachable) next = reachable;
            if (next > current) newSupply = BancorMath.raisedSupply(supply_, current, next);
            if (newSupply < minSupply) next = current; // no room left (newSupply is 0 when next ≤ current)
        } else {
            newSupply = BancorMath.loweredSupply(supply_, realSupply, current, next);
        }
        // R' = price·S'·rr', rounded down: the price never rises through a ratio change.
        uint256 newReserve = FixedPointMathLib.fullMulDiv(_reserveBalance, newSupply * next, supply_ * current);
        if (next == current || newReserve == 0) {
            emit RatioChangeSkipped(current, wanted, _epochStart);
            return;
        }
        _reserveBalance = newReserve;
        _virtualSupply = newSupply - realSupply;
        _ratioPpm = uint32(next);
        emit RatioChanged(current, next, newDemand, _epochStart);
    }

    /// @dev The spread is rounded up, so splitting a buy never saves any of it (and every buy pays ≥ 1 unit).
    function _afterSpread(uint256 reserveIn) private pure returns (uint256) {
        return reserveIn - FixedPointMathLib.divUp(reserveIn * BUY_SPREAD_PPM, PPM);
    }

    function _wholeSupplySale() private view returns (uint256) {
        return BancorMath.saleReturn(supply(), _reserveBalance, _ratioPpm, _token.totalSupply());
    }

    function _setRatioBounds(uint256 min, uint256 max) private {
        if (min < MIN_RATIO_PPM || max > MAX_RATIO_PPM || min > max) revert InvalidRatioBounds(min, max);
        _minRatioPpm = uint32(min);
        _maxRatioPpm = uint32(max);
        emit RatioBoundsChanged(min, max);
    }

    function _setMaxStep(uint256 step) private {
        if (step > MAX_STEP_LIMIT_PPM) revert StepOutOfBounds(step, MAX_STEP_LIMIT_PPM);
        _maxStepPpm = uint32(step);
        emit MaxStepChanged(step);
    }

    function _setEpochLength(uint256 length) private {
        if (length < MIN_EPOCH || length > MAX_EPOCH) revert EpochOutOfBounds(length, MIN_EPOCH, MAX_EPOCH);
        _epochLength = uint32(length);
        emit EpochLengthChanged(length);
    }

    function _setRewardPool(address pool) private {
        if (pool == address(0)) revert ZeroAddress();
        _rewardPool = pool;
        emit RewardPoolChanged(pool);
    }
}
