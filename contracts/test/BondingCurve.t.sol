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

    /// @dev Exact reference values: `node scripts/economics-sim.ts --reference` (BigInt fixed point, 80
    /// digits). S = 1e24, R = 5e9; [kind (0 buy, 1 sell), ratioPpm, amountIn, exact floor(amountOut)]
    /// Ratios 1 %–100 %; buys d/R from 1e-6 to 10, sells t/S from 1e-6 to 0.9. Every quote is ≤ the
    /// exact value (favours the reserve) and within 1e-9 relative of it (plus the one base unit that
    /// flooring to an integer output always allows).
    function test_precisionAgainstExactReference() public {
        uint256[4][84] memory cases = [
            [uint256(0), 10000, 5000, 9999995050003283],
            [uint256(0), 10000, 5000000, 9995053281047540746],
            [uint256(0), 10000, 50000000, 99508259150084812519],
            [uint256(0), 10000, 1000000000, 1824878636000080400093],
            [uint256(0), 10000, 5000000000, 6955550056718808832698],
            [uint256(0), 10000, 50000000000, 24268759600549626327283],
            [uint256(1), 10000, 1000000000000000000, 499975],
            [uint256(1), 10000, 1000000000000000000000, 476039264],
            [uint256(1), 10000, 10000000000000000000000, 3169838293],
            [uint256(1), 10000, 100000000000000000000000, 4999867193],
            [uint256(1), 10000, 500000000000000000000000, 4999999999],
            [uint256(1), 10000, 900000000000000000000000, 5000000000],
            [uint256(0), 50000, 5000, 49999976250015437],
            [uint256(0), 50000, 5000000, 49976265426123830609],
            [uint256(0), 50000, 50000000, 497640324540507097362],
            [uint256(0), 50000, 1000000000, 9157755827613014457790],
            [uint256(0), 50000, 5000000000, 35264923841377504347788],
            [uint256(0), 50000, 50000000000, 127378204157833024143078],
            [uint256(1), 50000, 1000000000000000000, 99999],
            [uint256(1), 50000, 1000000000000000000000, 99055675],
            [uint256(1), 50000, 10000000000000000000000, 910465312],
            [uint256(1), 50000, 100000000000000000000000, 4392116727],
            [uint256(1), 50000, 500000000000000000000000, 4999995231],
            [uint256(1), 50000, 900000000000000000000000, 4999999999],
            [uint256(0), 100000, 5000, 99999955000028499],
            [uint256(0), 100000, 5000000, 99955028479353603599],
            [uint256(0), 100000, 50000000, 995528294973622975955],
            [uint256(0), 100000, 1000000000, 18399376147024209042956],
            [uint256(0), 100000, 5000000000, 71773462536293164213006],
            [uint256(0), 100000, 50000000000, 270981615210140638605535],
            [uint256(1), 100000, 1000000000000000000, 49999],
            [uint256(1), 100000, 1000000000000000000000, 49775598],
            [uint256(1), 100000, 10000000000000000000000, 478089624],
            [uint256(1), 100000, 100000000000000000000000, 3256607799],
            [uint256(1), 100000, 500000000000000000000000, 4995117187],
            [uint256(1), 100000, 900000000000000000000000, 4999999999],
            [uint256(0), 250000, 5000, 249999906250054687],
            [uint256(0), 250000, 5000000, 249906304649930519686],
            [uint256(0), 250000, 50000000, 2490679314321119948851],
            [uint256(0), 250000, 1000000000, 46635139392105555783462],
            [uint256(0), 250000, 5000000000, 189207115002721066717499],
            [uint256(0), 250000, 50000000000, 821160286837871898446643],
            [uint256(1), 250000, 1000000000000000000, 19999],
            [uint256(1), 250000, 1000000000000000000000, 19970019],
            [uint256(1), 250000, 10000000000000000000000, 197019950],
            [uint256(1), 250000, 100000000000000000000000, 1719500000],
            [uint256(1), 250000, 500000000000000000000000, 4687500000],
            [uint256(1), 250000, 900000000000000000000000, 4999500000],
            [uint256(0), 500000, 5000, 499999875000062499],
            [uint256(0), 500000, 5000000, 499875062460964823258],
            [uint256(0), 500000, 50000000, 4987562112089027021926],
            [uint256(0), 500000, 1000000000, 95445115010332226913939],
            [uint256(0), 500000, 5000000000, 414213562373095048801688],
            [uint256(0), 500000, 50000000000, 2316624790355399849114932],
            [uint256(1), 500000, 1000000000000000000, 9999],
            [uint256(1), 500000, 1000000000000000000000, 9995000],
            [uint256(1), 500000, 10000000000000000000000, 99500000],
            [uint256(1), 500000, 100000000000000000000000, 950000000],
            [uint256(1), 500000, 500000000000000000000000, 3750000000],
            [uint256(1), 500000, 900000000000000000000000, 4950000000],
            [uint256(0), 750000, 5000, 749999906250039062],
            [uint256(0), 750000, 5000000, 749906289040541615867],
            [uint256(0), 750000, 50000000, 7490663844191618865397],
            [uint256(0), 750000, 1000000000, 146531350645240172403655],
            [uint256(0), 750000, 5000000000, 681792830507429086062250],
            [uint256(0), 750000, 50000000000, 5040105354537236740388786],
            [uint256(1), 750000, 1000000000000000000, 6666],
            [uint256(1), 750000, 1000000000000000000000, 6665555],
            [uint256(1), 750000, 10000000000000000000000, 66555307],
            [uint256(1), 750000, 100000000000000000000000, 655297769],
            [uint256(1), 750000, 500000000000000000000000, 3015748685],
            [uint256(1), 750000, 900000000000000000000000, 4767920558],
            [uint256(0), 1000000, 5000, 1000000000000000000],
            [uint256(0), 1000000, 5000000, 1000000000000000000000],
            [uint256(0), 1000000, 50000000, 10000000000000000000000],
            [uint256(0), 1000000, 1000000000, 200000000000000000000000],
            [uint256(0), 1000000, 5000000000, 1000000000000000000000000],
            [uint256(0), 1000000, 50000000000, 10000000000000000000000000],
            [uint256(1), 1000000, 1000000000000000000, 5000],
            [uint256(1), 1000000, 1000000000000000000000, 5000000],
            [uint256(1), 1000000, 10000000000000000000000, 50000000],
            [uint256(1), 1000000, 100000000000000000000000, 500000000],
            [uint256(1), 1000000, 500000000000000000000000, 2500000000],
            [uint256(1), 1000000, 900000000000000000000000, 4500000000]
        ];
        uint256 worst; // largest relative error seen, 1e18 = 100 %
        for (uint256 i = 0; i < cases.length; ++i) {
            (uint256 kind, uint256 ratio, uint256 amountIn, uint256 exact) =
                (cases[i][0], cases[i][1], cases[i][2], cases[i][3]);
            uint256 got = kind == 0
                ? BancorMath.purchaseReturn(1e24, 5e9, ratio, amountIn)
                : BancorMath.saleReturn(1e24, 5e9, ratio, amountIn);
            assertLe(got, exact, "rounds in favour of the reserve");
            uint256 err = exact - got;
            assertLe(err, exact / 1e9 + 1, "within 1e-9 relative (+1 unit)");
            if (exact > 1e9 && (err * 1e18) / exact > worst) worst = (err * 1e18) / exact;
        }
        emit log_named_decimal_uint("worst relative error (outputs > 1e9 units)", worst, 18);
        assertLe(worst, 1e9);
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
        curve.absorb(0);
        assertEq(token.balanceOf(address(curve)), 0);
        assertEq(curve.spotPrice(), price);
        uint256 surplus = curve.surplus();
        assertGt(surplus, 0);
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.NotGovernance.selector, address(this)));
        curve.releaseSurplus(surplus);
        vm.prank(address(timelock));
        curve.releaseSurplus(surplus / 2);
        assertEq(dollar.balanceOf(address(timelock)), surplus / 2);
        assertEq(curve.spotPrice(), price, "releasing surplus leaves the curve alone");
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
        vm.expectRevert(abi.encodeWithSelector(TestDollar.FaucetCoolingDown.selector, alice, block.timestamp + 1 hours));
        dollar.faucet();
        vm.warp(block.timestamp + 1 hours);
        vm.prank(alice);
        dollar.faucet();
        assertEq(dollar.balanceOf(alice), 20_000e6);
    }

    /// @dev A raise goes only as far as the virtual supply allows: with the minimum virtual supply and
    /// all else real, keeping the price's slope would leave less than 1 RBT virtual, so the ratio waits.
    function test_raiseLimitedByVirtualSupply() public {
        BondingCurve c = _deploy(1, 1e18, 500_000, 100_000, 900_000, 50_000, 1 hours, address(1));
        vm.startPrank(alice);
        dollar.approve(address(c), type(uint256).max);
        c.buy(10_000e6, 0);
        vm.stopPrank();
        uint256 price = c.spotPrice();
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(address(c));
        emit BondingCurve.RatioChangeSkipped(500_000, 550_000, block.timestamp);
        c.poke();
        assertEq(c.reserveRatioPpm(), 500_000, "no room for a raise: the ratio waits");
        assertEq(c.spotPrice(), price);
        assertGe(c.realReserve(), c.quoteSell(c.token().totalSupply()));
    }

    /// @dev The reported exploit: a holder stays in through a quiet spell (the ratio falls 50 % → 10 %),
    /// then a trader buys 10,000 dollars of RBT, waits one epoch (their own buy raises the ratio) and
    /// sells. The raise must not pay the trader more than they put in (it returned 10,011.05 when a
    /// raise kept R and only rescaled S), and it must not have taken value from the holder either.
    function test_roundTripAcrossRatioRiseAfterQuietSpellNeverProfits() public {
        _buy(alice, 1_000e6);
        uint256 aliceTokens = token.balanceOf(alice);
        for (uint256 i = 0; i < 40; ++i) {
            vm.warp(block.timestamp + EPOCH);
            curve.poke();
        }
        assertEq(curve.reserveRatioPpm(), MIN_RATIO_PPM, "the quiet spell took the ratio to its minimum");
        uint256 aliceValue = curve.quoteSell(aliceTokens);
        uint256 paid = dollar.balanceOf(bob);
        uint256 bought = _buy(bob, paid);
        vm.warp(block.timestamp + EPOCH);
        curve.poke();
        assertGt(curve.reserveRatioPpm(), MIN_RATIO_PPM, "the trader's own buy raised the ratio");
        vm.prank(bob);
        uint256 back = curve.sell(bought, 0);
        assertLe(back, paid, "a round trip across a ratio rise never profits");
        assertLe(curve.quoteSell(aliceTokens), aliceValue, "nor does it lift the holder's sale value");
    }

    /// @dev The round trip across moves in both directions: after the quiet spell, the trader buys, a
    /// washer keeps demand up for a few epochs (buying and selling straight back: demand, no holding),
    /// the ratio climbs, then demand stops and it falls; the trader sells only then.
    function test_roundTripAcrossRiseAndFallNeverProfits() public {
        _buy(alice, 10_000e6);
        for (uint256 i = 0; i < 40; ++i) {
            vm.warp(block.timestamp + EPOCH);
            curve.poke();
        }
        uint256 paid = 10_000e6;
        uint256 bought = _buy(bob, paid);
        address washer = address(0xCA401);
        vm.prank(washer);
        dollar.approve(address(curve), type(uint256).max);
        uint256 highest;
        for (uint256 i = 0; i < 16; ++i) {
            if (i < 6) {
                deal(address(dollar), washer, 50_000e6);
                vm.startPrank(washer);
                curve.sell(curve.buy(50_000e6, 0), 0);
                vm.stopPrank();
            }
            vm.warp(block.timestamp + EPOCH);
            curve.poke();
            if (curve.reserveRatioPpm() > highest) highest = curve.reserveRatioPpm();
        }
        assertGe(highest, MIN_RATIO_PPM + 4 * MAX_STEP_PPM, "the ratio climbed");
        assertLt(curve.reserveRatioPpm(), highest, "and fell again");
        vm.prank(bob);
        assertLe(curve.sell(bought, 0), paid);
    }

    /// @dev The rule at any state: two holders, any opening ratio, a step of any size up to the coded
    /// limit forced up or down by the bounds. The spot price never rises (rounding only takes it down),
    /// and no amount of the real supply sells for more afterwards (up to the quotes' documented
    /// rounding, 1e-9 relative plus one unit).
    function testFuzz_ratioMoveNeverRaisesASaleValue(uint256 a, uint256 b, uint256 start, uint256 step, bool up)
        public
    {
        start = bound(start, 10_000, 1_000_000);
        step = bound(step, 1, 50_000);
        vm.assume(up ? start < 1_000_000 : start > 10_000);
        BondingCurve c = _deploy(VIRTUAL_RESERVE, VIRTUAL_SUPPLY, start, 10_000, 1_000_000, step, 1 hours, address(1));
        uint256[2] memory held;
        for (uint256 i = 0; i < 2; ++i) {
            address who = i == 0 ? alice : bob;
            vm.startPrank(who);
            dollar.approve(address(c), type(uint256).max);
            held[i] = c.buy(bound(i == 0 ? a : b, 1e6, 10_000e6), 0);
            vm.stopPrank();
        }
        uint256[4] memory amounts = [held[0] + held[1], held[1], held[1] / 2, held[0]];
        uint256[4] memory before;
        for (uint256 i = 0; i < 4; ++i) {
            before[i] = c.quoteSell(amounts[i]);
        }
        uint256 price = c.spotPrice();
        vm.prank(address(timelock));
        c.setRatioBounds(up ? 1_000_000 : 10_000, up ? 1_000_000 : 10_000);
        vm.warp(block.timestamp + 1 hours);
        c.poke();
        uint256 ratio = c.reserveRatioPpm();
        if (up) assertGe(ratio, start);
        else assertLt(ratio, start);
        assertLe(c.spotPrice(), price, "no price rise");
        assertApproxEqRel(c.spotPrice(), price, 1e12, "no jump (1e-6)");
        for (uint256 i = 0; i < 4; ++i) {
            assertLe(c.quoteSell(amounts[i]), before[i] + before[i] / 1e9 + 1, "no sale value rises");
        }
        assertGe(c.realReserve(), c.quoteSell(amounts[0]));
    }

    function test_narrowedBoundsAreReachedStepByStep() public {
        vm.prank(address(timelock));
        curve.setRatioBounds(600_000, 900_000); // above the current 50 %
        assertEq(curve.reserveRatioPpm(), RATIO_PPM, "no jump when the bounds change");
        uint256 price = curve.spotPrice();
        vm.warp(block.timestamp + EPOCH);
        curve.poke();
        assertEq(curve.reserveRatioPpm(), RATIO_PPM + MAX_STEP_PPM, "one step toward the new minimum");
        assertApproxEqRel(curve.spotPrice(), price, 1e12);
        vm.warp(block.timestamp + 10 * EPOCH);
        curve.poke();
        assertEq(curve.reserveRatioPpm(), 600_000);
        vm.prank(address(timelock));
        curve.setRatioBounds(100_000, 550_000); // below it
        vm.warp(block.timestamp + EPOCH);
        curve.poke();
        assertEq(curve.reserveRatioPpm(), 600_000 - MAX_STEP_PPM);
    }

    function test_setEpochLengthAppliesPendingUpdateFirst() public {
        _buy(alice, 10_000e6);
        vm.warp(block.timestamp + EPOCH);
        vm.prank(address(timelock));
        curve.setEpochLength(2 hours); // rolls the finished 1-hour epoch under the old length first
        (uint256 fast,, uint256 pending) = curve.demand();
        assertEq(fast, 5_000e6);
        assertEq(pending, 0);
        assertGt(curve.reserveRatioPpm(), RATIO_PPM);
    }

    /*////////////////////////////// fuzz //////////////////////////////*/

    /*////////////////////////////// constructor reverts //////////////////////////////*/

    function _deploy(
        uint256 vReserve,
        uint256 vSupply,
        uint256 ratio,
        uint256 min,
        uint256 max,
        uint256 step,
        uint256 epoch,
        address pool
    ) internal returns (BondingCurve) {
        return new BondingCurve(
            IERC20(address(dollar)), address(timelock), pool, vReserve, vSupply, ratio, min, max, step, epoch
        );
    }

    function test_constructorReverts() public {
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.InvalidVirtualBalances.selector, 1e18 - 1, 1));
        _deploy(1, 1e18 - 1, 500_000, 100_000, 900_000, 1, 1 hours, address(1));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.InvalidVirtualBalances.selector, 1e18, 0));
        _deploy(0, 1e18, 500_000, 100_000, 900_000, 1, 1 hours, address(1));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.InvalidRatioBounds.selector, 100_000, 1_000_001));
        _deploy(1, 1e18, 500_000, 100_000, 1_000_001, 1, 1 hours, address(1));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.InvalidRatioBounds.selector, 600_000, 500_000));
        _deploy(1, 1e18, 500_000, 600_000, 500_000, 1, 1 hours, address(1));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.RatioOutOfBounds.selector, 950_000, 100_000, 900_000));
        _deploy(1, 1e18, 950_000, 100_000, 900_000, 1, 1 hours, address(1));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.StepOutOfBounds.selector, 50_001, 50_000));
        _deploy(1, 1e18, 500_000, 100_000, 900_000, 50_001, 1 hours, address(1));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.EpochOutOfBounds.selector, 31 days, 60, 30 days));
        _deploy(1, 1e18, 500_000, 100_000, 900_000, 1, 31 days, address(1));
        vm.expectRevert(BondingCurve.ZeroAddress.selector);
        _deploy(1, 1e18, 500_000, 100_000, 900_000, 1, 1 hours, address(0));
    }

    function test_constructorDeploysTokenWithCurveAsMinter() public {
        BondingCurve c = _deploy(1e6, 1e18, 10_000, 10_000, 1_000_000, 0, 1 minutes, address(1));
        assertEq(c.token().curve(), address(c));
        assertEq(address(c.reserveToken()), address(dollar));
        assertEq(c.reserveBalance(), 1e6);
        assertEq(c.virtualSupply(), 1e18);
        assertEq(c.reserveRatioPpm(), 10_000);
    }

    /*////////////////////////////// more trade reverts //////////////////////////////*/

    function test_dustBuyMintingNothingReverts() public {
        // A curve whose reserve dwarfs one base unit: d/R = 1e-30 is below the 18-decimal fixed point,
        // so the quote rounds to zero, and a buy that would mint nothing reverts.
        BondingCurve c = _deploy(1e30, 1e18, 500_000, 100_000, 900_000, 0, 1 hours, address(1));
        vm.startPrank(alice);
        dollar.approve(address(c), 1);
        assertEq(c.quoteBuy(1), 0);
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.SlippageExceeded.selector, 0, 0));
        c.buy(1, 0);
        vm.stopPrank();
    }

    function test_sellMoreThanSupplyReverts() public {
        _buy(alice, 100e6);
        uint256 s = curve.supply();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(BancorMath.SaleExceedsSupply.selector, s, s));
        curve.sell(s, 0);
    }

    function test_sellMoreThanBalanceReverts() public {
        uint256 bought = _buy(alice, 100e6);
        vm.prank(alice);
        vm.expectRevert(); // ERC20InsufficientBalance from the burn
        curve.sell(bought + 1, 0);
    }

    function test_buyWithoutAllowanceReverts() public {
        address carol = address(0xCA401);
        vm.prank(carol);
        dollar.faucet();
        vm.prank(carol);
        vm.expectRevert(); // ERC20InsufficientAllowance from transferFrom
        curve.buy(1e6, 0);
    }

    function test_sellWholeRealSupplyIsPaid() public {
        uint256 a = _buy(alice, 3_000e6);
        uint256 b = _buy(bob, 1_500e6);
        vm.prank(alice);
        curve.sell(a, 0);
        vm.prank(bob);
        curve.sell(b, 0);
        assertEq(token.totalSupply(), 0);
        // What remains is the buy spread plus rounding: surplus, never owed to anyone.
        assertEq(curve.surplus(), curve.realReserve());
        assertGt(curve.realReserve(), 0);
    }

    /*////////////////////////////// absorb //////////////////////////////*/

    function test_absorbPullsFromCallerAndBurnsWhatWasSent() public {
        uint256 bought = _buy(alice, 1_000e6);
        uint256 price = curve.spotPrice();
        uint256 formulaSupply = curve.supply();
        vm.prank(alice);
        IERC20(address(token)).transfer(address(curve), 10e18); // e.g. a slash's burn share
        vm.expectEmit(address(curve));
        emit BondingCurve.Absorbed(alice, 30e18);
        vm.prank(alice);
        assertEq(curve.absorb(20e18), 30e18);
        assertEq(token.balanceOf(alice), bought - 30e18);
        assertEq(token.balanceOf(address(curve)), 0);
        assertEq(curve.supply(), formulaSupply, "formula supply unchanged");
        assertEq(curve.spotPrice(), price, "price unchanged");
        assertGt(curve.surplus(), 0, "the reserve behind the burned tokens is surplus");
        assertEq(curve.absorb(0), 0, "nothing to burn: no-op");
        vm.prank(bob);
        vm.expectRevert(); // bob holds no RBT
        curve.absorb(1);
    }

    function test_releaseSurplusReverts() public {
        vm.startPrank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.InsufficientSurplus.selector, 0, 0));
        curve.releaseSurplus(0);
        vm.stopPrank();
        _buy(alice, 1_000e6);
        uint256 available = curve.surplus();
        vm.prank(address(timelock));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.InsufficientSurplus.selector, available + 1, available));
        curve.releaseSurplus(available + 1);
    }

    /*////////////////////////////// epochs //////////////////////////////*/

    function test_pokeWithinEpochIsNoOpAndCatchUpIsBounded() public {
        _buy(alice, 1_000e6);
        curve.poke();
        (uint256 fast,, uint256 pending) = curve.demand();
        assertEq(fast, 0);
        assertEq(pending, 1_000e6);
        // 100 epochs later: one catch-up moves the ratio by at most MAX_CATCHUP_EPOCHS steps.
        vm.warp(block.timestamp + 100 * EPOCH);
        curve.poke();
        uint256 ratio = curve.reserveRatioPpm();
        uint256 move = ratio > RATIO_PPM ? ratio - RATIO_PPM : RATIO_PPM - ratio;
        assertLe(move, curve.MAX_CATCHUP_EPOCHS() * MAX_STEP_PPM);
        (,,,, uint256 epochStart,) = curve.parameters();
        assertLe(epochStart, block.timestamp);
        assertGt(epochStart + EPOCH, block.timestamp);
    }

    function test_everySetterIsGovernanceOnly() public {
        bytes[5] memory calls = [
            abi.encodeCall(BondingCurve.setRatioBounds, (100_000, 900_000)),
            abi.encodeCall(BondingCurve.setMaxStep, (1)),
            abi.encodeCall(BondingCurve.setEpochLength, (1 hours)),
            abi.encodeCall(BondingCurve.setRewardPool, (address(1))),
            abi.encodeCall(BondingCurve.releaseSurplus, (1))
        ];
        for (uint256 i = 0; i < calls.length; ++i) {
            vm.prank(alice);
            (bool ok, bytes memory ret) = address(curve).call(calls[i]);
            assertFalse(ok);
            assertEq(ret, abi.encodeWithSelector(BondingCurve.NotGovernance.selector, alice));
        }
    }

    /*////////////////////////////// token and test dollar //////////////////////////////*/

    function test_tokenMetadataClockAndPermit() public {
        assertEq(token.decimals(), 18);
        assertEq(token.symbol(), "RBT");
        assertEq(token.clock(), block.timestamp);
        assertEq(token.CLOCK_MODE(), "mode=timestamp");
        uint256 ownerKey = 0xA11;
        address owner = vm.addr(ownerKey);
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                token.DOMAIN_SEPARATOR(),
                keccak256(
                    abi.encode(
                        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                        owner,
                        bob,
                        5e18,
                        token.nonces(owner),
                        block.timestamp
                    )
                )
            )
        );
        (uint8 v, bytes32 r, bytes32 sig) = vm.sign(ownerKey, digest);
        token.permit(owner, bob, 5e18, block.timestamp, v, r, sig);
        assertEq(token.allowance(owner, bob), 5e18);
        assertEq(token.nonces(owner), 1);
    }

    function test_votesFollowDelegationOnTimestampClock() public {
        uint256 bought = _buy(alice, 500e6);
        vm.prank(alice);
        token.delegate(alice);
        assertEq(token.getVotes(alice), bought);
        vm.warp(block.timestamp + 10);
        assertEq(token.getPastVotes(alice, block.timestamp - 5), bought);
        vm.prank(alice);
        curve.sell(bought, 0);
        assertEq(token.getVotes(alice), 0);
    }

    function test_testDollarBasics() public {
        assertEq(dollar.decimals(), 6);
        assertEq(dollar.FAUCET_AMOUNT(), 10_000e6);
        address carol = address(0xCA401);
        assertEq(dollar.faucetAvailableAt(carol), 0);
        vm.prank(carol);
        dollar.faucet();
        assertEq(dollar.balanceOf(carol), 10_000e6);
        assertEq(dollar.faucetAvailableAt(carol), block.timestamp + 1 hours);
        // No public mint.
        (bool ok,) = address(dollar).call(abi.encodeWithSignature("mint(address,uint256)", carol, 1));
        assertFalse(ok);
    }

    /*////////////////////////////// fuzz //////////////////////////////*/

    /// @dev On a fresh curve at any ratio 1 %–100 %, a buy then selling everything bought never returns
    /// more reserve than was paid.
    function testFuzz_roundTripNeverProfits(uint256 reserveIn, uint256 ratio) public {
        ratio = bound(ratio, 10_000, 1_000_000);
        reserveIn = bound(reserveIn, 1, 10_000e6);
        BondingCurve c = _deploy(VIRTUAL_RESERVE, VIRTUAL_SUPPLY, ratio, 10_000, 1_000_000, 0, 1 hours, address(1));
        vm.startPrank(alice);
        dollar.approve(address(c), type(uint256).max);
        uint256 before = dollar.balanceOf(alice);
        uint256 out = c.quoteBuy(reserveIn);
        vm.assume(out > 0);
        c.buy(reserveIn, out);
        uint256 back = c.sell(out, 0);
        vm.stopPrank();
        assertLe(back, reserveIn);
        assertLe(dollar.balanceOf(alice), before);
        assertGe(c.realReserve(), c.quoteSell(c.token().totalSupply()));
    }

    /// @dev Rounding favours the reserve: a buy never mints more than spot price allows, a sell never
    /// pays more than spot price allows (the curve only gets dearer as you buy, cheaper as you sell).
    function testFuzz_tradesNeverBeatSpotPrice(uint256 reserveIn, uint256 sellShare) public {
        reserveIn = bound(reserveIn, 1, 10_000e6);
        uint256 price = curve.spotPrice(); // reserve units per 1e18 token units, ×1e18
        uint256 afterSpread = reserveIn - (reserveIn * curve.BUY_SPREAD_PPM() + 1e6 - 1) / 1e6;
        uint256 quote = curve.quoteBuy(reserveIn);
        assertLe(quote, (afterSpread * 1e36) / price + 1);
        vm.assume(quote > 0);
        uint256 out = _buy(alice, reserveIn);
        uint256 priceAfter = curve.spotPrice();
        uint256 t = bound(sellShare, 1, out);
        uint256 paid = curve.quoteSell(t);
        assertLe(paid, (t * (priceAfter + 1)) / 1e36 + 1);
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
