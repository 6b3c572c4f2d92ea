// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {BandwidthToken} from "../src/BandwidthToken.sol";
import {BondingCurve} from "../src/BondingCurve.sol";
import {TestDollar} from "../src/TestDollar.sol";
import {BandexTest} from "./utils/BandexTest.sol";

/// @dev Random buys, sells, epoch changes, absorbs, bound changes and surplus releases.
contract CurveHandler is Test {
    BondingCurve internal curve;
    BandwidthToken internal token;
    TestDollar internal dollar;
    address[3] internal traders = [address(0x1001), address(0x1002), address(0x1003)];
    uint256 public paidIn;
    uint256 public paidOut;
    uint256 public released;

    constructor(BondingCurve curve_, TestDollar dollar_) {
        curve = curve_;
        token = curve_.token();
        dollar = dollar_;
        for (uint256 i = 0; i < traders.length; ++i) {
            vm.prank(traders[i]);
            dollar.approve(address(curve), type(uint256).max);
        }
    }

    function buy(uint256 who, uint256 amount) external {
        address trader = traders[who % traders.length];
        if (dollar.balanceOf(trader) < 1e6) {
            vm.warp(block.timestamp + dollar.FAUCET_COOLDOWN());
            vm.prank(trader);
            dollar.faucet();
        }
        amount = bound(amount, 1, dollar.balanceOf(trader));
        if (curve.quoteBuy(amount) == 0) return;
        vm.prank(trader);
        curve.buy(amount, 0);
        paidIn += amount;
    }

    function sell(uint256 who, uint256 amount) external {
        address trader = traders[who % traders.length];
        uint256 balance = token.balanceOf(trader);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        vm.prank(trader);
        paidOut += curve.sell(amount, 0);
    }

    function passEpochs(uint256 epochs) external {
        (,,, uint256 epochLength,,) = curve.parameters();
        vm.warp(block.timestamp + bound(epochs, 1, 5) * epochLength);
        curve.poke();
    }

    function absorb(uint256 who, uint256 amount) external {
        address trader = traders[who % traders.length];
        uint256 balance = token.balanceOf(trader);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        // Half sent first (a slash's burn share), the rest pulled by absorb itself.
        vm.prank(trader);
        IERC20(address(token)).transfer(address(curve), amount / 2);
        vm.prank(trader);
        curve.absorb(amount - amount / 2);
    }

    /// @dev Governance moves the IH bounds anywhere within the coded limits.
    function setBounds(uint256 a, uint256 b) external {
        a = bound(a, 10_000, 1_000_000);
        b = bound(b, 10_000, 1_000_000);
        vm.prank(curve.governance());
        curve.setRatioBounds(a < b ? a : b, a < b ? b : a);
    }

    /// @dev Governance releases part of the surplus to the reward pool.
    function release(uint256 amount) external {
        uint256 available = curve.surplus();
        if (available == 0) return;
        amount = bound(amount, 1, available);
        vm.prank(curve.governance());
        try curve.releaseSurplus(amount) {
            released += amount;
        } catch {}
    }
}

contract BondingCurveInvariantTest is BandexTest {
    CurveHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new CurveHandler(curve, dollar);
        targetContract(address(handler));
    }

    /// @notice The reserve always covers selling back the whole real supply.
    function invariant_reserveCoversWholeSupply() public view {
        assertGe(curve.realReserve(), curve.quoteSell(token.totalSupply()));
    }

    /// @notice Reserve is conserved: what the curve holds is what came in minus what was paid to
    /// sellers minus what governance released to the reward pool.
    function invariant_reserveConserved() public view {
        assertEq(curve.realReserve(), handler.paidIn() - handler.paidOut() - handler.released());
        assertEq(dollar.balanceOf(address(curve)), curve.realReserve());
    }

    /// @notice Tokens are conserved: the supply is what the traders hold (the curve keeps none).
    function invariant_tokensConserved() public view {
        assertEq(token.balanceOf(address(curve)), 0);
        uint256 held;
        for (uint256 i = 0; i < 3; ++i) {
            held += token.balanceOf(address(uint160(0x1001 + i)));
        }
        assertEq(token.totalSupply(), held);
    }

    /// @notice The ratio stays within the coded limits (governance may move the bounds past it; it then
    /// follows step by step) and the virtual supply never runs out.
    function invariant_ratioBoundedAndSupplyBacked() public view {
        assertGe(curve.reserveRatioPpm(), curve.MIN_RATIO_PPM());
        assertLe(curve.reserveRatioPpm(), curve.MAX_RATIO_PPM());
        assertGe(curve.virtualSupply(), curve.MIN_VIRTUAL_SUPPLY());
    }
}

/// @dev One trader buys and sells at will while demand spikes (a washer buys and sells straight back,
/// which counts as demand but leaves no tokens), lulls (epochs pass without buys) and governance moving
/// the IH bounds drive the ratio up and down. A holder who bought first stays in throughout, so the
/// ratio changes also build surplus from its tokens: what the exploit needed.
contract RoundTripHandler is Test {
    BondingCurve internal curve;
    BandwidthToken internal token;
    TestDollar internal dollar;
    address public constant TRADER = address(0x2001);
    address public constant WASHER = address(0x2002);
    uint256 public paidIn;
    uint256 public paidOut;
    uint256 public rises;
    uint256 public falls;
    uint256 public raisedValues;

    constructor(BondingCurve curve_, TestDollar dollar_) {
        curve = curve_;
        token = curve_.token();
        dollar = dollar_;
        vm.prank(TRADER);
        dollar.approve(address(curve), type(uint256).max);
        vm.prank(WASHER);
        dollar.approve(address(curve), type(uint256).max);
    }

    function buy(uint256 amount) external {
        // At least one dollar: its 0.5 % spread (5,000 units) dwarfs the rounding other trades leave in
        // the formula reserve, which a holder may pick up (a few units per trade).
        amount = bound(amount, 1e6, 50_000e6);
        deal(address(dollar), TRADER, dollar.balanceOf(TRADER) + amount);
        vm.prank(TRADER);
        curve.buy(amount, 0);
        paidIn += amount;
    }

    function sell(uint256 amount) external {
        uint256 balance = token.balanceOf(TRADER);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        vm.prank(TRADER);
        paidOut += curve.sell(amount, 0);
    }

    /// @dev Demand without holding: bought and sold back in the same block.
    function spike(uint256 amount) external {
        amount = bound(amount, 1e6, 200_000e6);
        deal(address(dollar), WASHER, amount);
        vm.startPrank(WASHER);
        uint256 tokens = curve.buy(amount, 0);
        curve.sell(tokens, 0);
        vm.stopPrank();
    }

    function passEpochs(uint256 epochs) external {
        (,,, uint256 epochLength,,) = curve.parameters();
        uint256 before = curve.reserveRatioPpm();
        uint256 price = curve.spotPrice();
        uint256 traderValue = curve.quoteSell(token.balanceOf(TRADER));
        uint256 wholeValue = curve.quoteSell(token.totalSupply());
        vm.warp(block.timestamp + bound(epochs, 1, 10) * epochLength);
        curve.poke();
        uint256 ratio = curve.reserveRatioPpm();
        if (ratio > before) ++rises;
        if (ratio < before) ++falls;
        if (
            curve.spotPrice() > price || curve.quoteSell(token.balanceOf(TRADER)) > traderValue
                || curve.quoteSell(token.totalSupply()) > wholeValue
        ) ++raisedValues;
    }

    /// @dev Governance moves the IH bounds, which forces steps toward them in either direction.
    function setBounds(uint256 a, uint256 b) external {
        a = bound(a, 10_000, 1_000_000);
        b = bound(b, 10_000, 1_000_000);
        vm.prank(curve.governance());
        curve.setRatioBounds(a < b ? a : b, a < b ? b : a);
    }
}

contract BondingCurveRoundTripInvariantTest is BandexTest {
    RoundTripHandler internal handler;
    address internal constant HOLDER = address(0x2003);

    function setUp() public override {
        super.setUp();
        handler = new RoundTripHandler(curve, dollar);
        _fundRbt(HOLDER, 100_000e18);
        targetContract(address(handler));
    }

    /// @notice The trader can never leave with more reserve than it paid in: what it was paid for its
    /// sales plus what its remaining RBT would sell for now is at most what its buys cost.
    function invariant_roundTripNeverProfits() public view {
        address trader = handler.TRADER();
        assertLe(handler.paidOut() + curve.quoteSell(token.balanceOf(trader)), handler.paidIn());
    }

    /// @notice The reserve covers selling back the whole real supply (holder and trader together).
    function invariant_reserveCoversWholeSupply() public view {
        assertGe(curve.realReserve(), curve.quoteSell(token.totalSupply()));
    }

    /// @notice No ratio change ever raised the spot price, the trader's sale value or the whole real
    /// supply's sale value (the rule itself, checked around every epoch update).
    function invariant_ratioChangesNeverRaiseAValue() public view {
        assertEq(handler.raisedValues(), 0);
    }
}
