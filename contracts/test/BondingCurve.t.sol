// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {BandwidthToken} from "../src/BandwidthToken.sol";
import {BondingCurve} from "../src/BondingCurve.sol";
import {TestDollar} from "../src/TestDollar.sol";
import {BancorMath} from "../src/libraries/BancorMath.sol";
import {BandexTest} from "./utils/BandexTest.sol";

contract BondingCurveTest is BandexTest {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);

    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < 2; ++i) {
            address who = i == 0 ? alice : bob;
            vm.startPrank(who);
            dollar.faucet();
            dollar.approve(address(curve), type(uint256).max);
            vm.stopPrank();
        }
    }

    function _buy(address who, uint256 reserveIn) internal returns (uint256) {
        vm.prank(who);
        return curve.buy(reserveIn, 0);
    }

    /*////////////////////////////// opening state //////////////////////////////*/

    function test_openingState() public view {
        assertEq(curve.reserveBalance(), VIRTUAL_RESERVE);
        assertEq(curve.supply(), VIRTUAL_SUPPLY);
        assertEq(curve.reserveRatioPpm(), RATIO_PPM);
        // 5,000 dollars / (1,000,000 RBT × 0.5) = 0.01 dollar = 10,000 base units per RBT, ×1e18.
        assertEq(curve.spotPrice(), 10_000 * 1e18);
        assertEq(address(token.curve()), address(curve));
        assertEq(curve.surplus(), 0);
    }

    /*////////////////////////////// trades //////////////////////////////*/

    function test_buyMintsQuotedAmount() public {
        uint256 quote = curve.quoteBuy(1_000e6);
        uint256 out = _buy(alice, 1_000e6);
        assertEq(out, quote);
        assertEq(token.balanceOf(alice), out);
        assertEq(curve.realReserve(), 1_000e6);
        assertEq(dollar.balanceOf(address(curve)), 1_000e6);
        // 0.5 % spread stays in the reserve; S((1 + 995/5000)^0.5 − 1) = 94,988.58... RBT (exact, 80 digits)
        assertApproxEqRel(out, 94_988_584_415_381_017_263_399, 1e9); // 1e-9 relative
        assertLe(out, 94_988_584_415_381_017_263_399);
    }

    function test_sellReturnsQuotedAmount() public {
        uint256 bought = _buy(alice, 1_000e6);
        uint256 quote = curve.quoteSell(bought / 2);
        uint256 before = dollar.balanceOf(alice);
        vm.prank(alice);
        uint256 out = curve.sell(bought / 2, quote);
        assertEq(out, quote);
        assertEq(dollar.balanceOf(alice), before + out);
        assertEq(token.balanceOf(alice), bought - bought / 2);
    }

    function test_slippageProtection() public {
        uint256 quote = curve.quoteBuy(100e6);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.SlippageExceeded.selector, quote, quote + 1));
        curve.buy(100e6, quote + 1);
        uint256 bought = _buy(alice, 100e6);
        uint256 sellQuote = curve.quoteSell(bought);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.SlippageExceeded.selector, sellQuote, sellQuote + 1));
        curve.sell(bought, sellQuote + 1);
    }

    function test_zeroAmountsRevert() public {
        vm.expectRevert(BondingCurve.ZeroAmount.selector);
        curve.buy(0, 0);
        vm.expectRevert(BondingCurve.ZeroAmount.selector);
        curve.sell(0, 0);
    }

    function test_onlyCurveMintsAndBurns() public {
        vm.expectRevert(abi.encodeWithSelector(BandwidthToken.OnlyCurve.selector, address(this)));
        token.mint(address(this), 1);
        vm.expectRevert(abi.encodeWithSelector(BandwidthToken.OnlyCurve.selector, address(this)));
        token.burn(alice, 1);
    }

    /*////////////////////////////// precision //////////////////////////////*/

    /// @dev Reference values from exact arithmetic (60-digit decimals, scripts/economics-sim.ts's
    /// reference mode): S = 1e24, R = 5e9, buys of d reserve units at ratio rr.
    function test_precisionAcrossRatios() public pure {
        // (ratioPpm, reserveIn, exact tokens out)
        uint256[3][6] memory cases = [
            [uint256(10_000), 1_000e6, 1_824_878_636_000_080_400_093], // 1%: 1e24 × (1.2^0.01 − 1)
            [uint256(100_000), 1_000e6, 18_399_376_147_024_209_042_956], // 10%
            [uint256(500_000), 1_000e6, 95_445_115_010_332_226_913_939], // 50%
            [uint256(1_000_000), 1_000e6, 200_000_000_000_000_000_000_000], // 100%: linear
            [uint256(10_000), 5e3, 9_999_995_050_003_283], // tiny: d/R = 1e-6 at 1%
            [uint256(500_000), 50_000e6, 2_316_624_790_355_399_849_114_932] // 10× the reserve at 50%
        ];
        for (uint256 i = 0; i < cases.length; ++i) {
            uint256 got = BancorMath.purchaseReturn(1e24, 5e9, cases[i][0], cases[i][1]);
            uint256 exact = cases[i][2];
            assertLe(got, exact, "rounds in favour of the reserve");
            assertApproxEqRel(got, exact, 1e9, "within 1e-9 relative");
        }
    }

    /*////////////////////////////// IH factor //////////////////////////////*/

    function test_ratioRisesWithDemandSurgeWithoutPriceJump() public {
        // Steady demand for a while: the ratio settles where fast and slow demand meet.
        for (uint256 i = 0; i < 12; ++i) {
            _buy(alice, 100e6);
            vm.warp(block.timestamp + EPOCH);
            curve.poke();
        }
        uint256 ratioBefore = curve.reserveRatioPpm();
        // A surge: 50× the usual inflow in one epoch.
        vm.prank(bob);
        curve.buy(5_000e6, 0);
        uint256 priceBefore = curve.spotPrice();
        vm.warp(block.timestamp + EPOCH);
        curve.poke();
        uint256 ratioAfter = curve.reserveRatioPpm();
        assertGt(ratioAfter, ratioBefore, "the surge raised the ratio");
        assertLe(ratioAfter - ratioBefore, MAX_STEP_PPM, "by at most one step");
        assertApproxEqRel(curve.spotPrice(), priceBefore, 1e12, "no price jump (1e-6)");
        assertGe(curve.realReserve(), curve.quoteSell(token.totalSupply()), "reserve covers the whole supply");
    }

    function test_ratioFallsBackWithoutDemand() public {
        _buy(alice, 10_000e6);
        vm.warp(block.timestamp + EPOCH);
        curve.poke();
        uint256 raised = curve.reserveRatioPpm();
        assertGt(raised, RATIO_PPM, "fresh demand raised the ratio");
        for (uint256 i = 0; i < 20; ++i) {
            vm.warp(block.timestamp + EPOCH);
            curve.poke();
        }
        assertLt(curve.reserveRatioPpm(), raised, "the ratio decays toward the minimum when demand stops");
        assertGe(curve.reserveRatioPpm(), MIN_RATIO_PPM);
    }

    /*////////////////////////////// absorb and surplus //////////////////////////////*/

    function test_absorbBurnsWithoutPriceChangeAndCreatesSurplus() public {
        uint256 bought = _buy(alice, 2_000e6);
        uint256 price = curve.spotPrice();
        vm.prank(alice);
        IERC20(address(token)).transfer(address(curve), bought / 4);
        curve.absorb();
        assertEq(token.balanceOf(address(curve)), 0);
        assertEq(curve.spotPrice(), price);
        uint256 surplus = curve.surplus();
        assertGt(surplus, 0);
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.NotGovernance.selector, address(this)));
        curve.releaseSurplus(surplus);
        vm.prank(address(timelock));
        curve.releaseSurplus(surplus / 2);
        assertEq(dollar.balanceOf(address(timelock)), surplus / 2);
        assertApproxEqRel(curve.spotPrice(), price, 1e12);
        assertGe(curve.realReserve(), curve.quoteSell(token.totalSupply()));
    }

    /*////////////////////////////// governance //////////////////////////////*/

    function test_governanceSettersAndBounds() public {
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.NotGovernance.selector, address(this)));
        curve.setMaxStep(1);
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.InvalidRatioBounds.selector, 5_000, 900_000));
        curve.setRatioBounds(5_000, 900_000);
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.StepOutOfBounds.selector, 50_001, 50_000));
        curve.setMaxStep(50_001);
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.EpochOutOfBounds.selector, 59, 60, 30 days));
        curve.setEpochLength(59);
        vm.expectRevert(BondingCurve.ZeroAddress.selector);
        curve.setRewardPool(address(0));
        curve.setRatioBounds(200_000, 800_000);
        curve.setMaxStep(10_000);
        curve.setEpochLength(2 hours);
        curve.setRewardPool(address(0xBEEF));
        vm.stopPrank();
        (uint256 min, uint256 max, uint256 step, uint256 epoch,, address pool) = curve.parameters();
        assertEq(min, 200_000);
        assertEq(max, 800_000);
        assertEq(step, 10_000);
        assertEq(epoch, 2 hours);
        assertEq(pool, address(0xBEEF));
    }

    function test_testDollarFaucetCooldown() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(TestDollar.FaucetCoolingDown.selector, alice, block.timestamp + 1 hours)
        );
        dollar.faucet();
        vm.warp(block.timestamp + 1 hours);
        vm.prank(alice);
        dollar.faucet();
        assertEq(dollar.balanceOf(alice), 20_000e6);
    }

    /*////////////////////////////// fuzz //////////////////////////////*/

    /// @dev A buy followed by selling everything bought never returns more reserve than was paid.
    function testFuzz_roundTripNeverProfits(uint256 reserveIn, uint256 ratioSeed) public {
        reserveIn = bound(reserveIn, 1, 10_000e6);
        ratioSeed = bound(ratioSeed, 0, 3);
        uint256 out = _buy(alice, reserveIn);
        vm.assume(out > 0);
        vm.prank(alice);
        uint256 back = curve.sell(out, 0);
        assertLe(back, reserveIn);
    }

    /// @dev Splitting a buy in two never yields more tokens than one buy (rounding favours the reserve).
    function testFuzz_splitBuyNoBetter(uint256 a, uint256 b) public {
        a = bound(a, 1e6, 4_000e6);
        b = bound(b, 1e6, 4_000e6);
        uint256 single = curve.quoteBuy(a + b);
        uint256 first = _buy(alice, a);
        uint256 second = _buy(alice, b);
        assertLe(first + second, single + 1);
    }
}
