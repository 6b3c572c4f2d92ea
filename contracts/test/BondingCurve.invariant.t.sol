// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {BandwidthToken} from "../src/BandwidthToken.sol";
import {BondingCurve} from "../src/BondingCurve.sol";
import {TestDollar} from "../src/TestDollar.sol";
import {BandexTest} from "./utils/BandexTest.sol";

/// @dev Random buys, sells, epoch changes and absorbs by a few traders.
contract CurveHandler is Test {
    BondingCurve internal curve;
    BandwidthToken internal token;
    TestDollar internal dollar;
    address[3] internal traders = [address(0x1001), address(0x1002), address(0x1003)];
    uint256 public paidIn;
    uint256 public paidOut;

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
        vm.prank(trader);
        IERC20(address(token)).transfer(address(curve), bound(amount, 1, balance));
        curve.absorb();
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

    /// @notice Reserve is conserved: what the curve holds is what came in minus what went out.
    function invariant_reserveConserved() public view {
        assertEq(curve.realReserve(), handler.paidIn() - handler.paidOut());
        assertEq(dollar.balanceOf(address(curve)), curve.realReserve());
    }

    /// @notice The ratio stays within its bounds and the virtual supply never runs out.
    function invariant_ratioBoundedAndSupplyBacked() public view {
        assertGe(curve.reserveRatioPpm(), MIN_RATIO_PPM);
        assertLe(curve.reserveRatioPpm(), MAX_RATIO_PPM);
        assertGe(curve.virtualSupply(), curve.MIN_VIRTUAL_SUPPLY());
    }
}
