// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PaymentChannelsBase} from "./PaymentChannelsBase.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @dev The priority premium and its burned share (issue #6).
contract PaymentChannelsPremiumTest is PaymentChannelsBase {
    uint256 internal constant PREMIUM = 5_000; // the payer pays price × 1.5

    function _openPremium(uint256 deposit, uint256 premiumBps) internal returns (bytes32 id) {
        vm.prank(payer);
        id = pc.openWithPremium(payee, deposit, premiumBps);
    }

    /// @dev The documented split of a cumulative amount.
    function _split(uint256 x, uint256 fee, uint256 p, uint256 b)
        internal
        pure
        returns (uint256 burned, uint256 feeAmt, uint256 toPayee)
    {
        burned = x * p / (10_000 + p) * b / 10_000;
        feeAmt = (x - burned) * fee / 10_000;
        toPayee = x - burned - feeAmt;
    }

    function test_defaults() public view {
        assertEq(pc.premiumBurnBps(), 5_000);
        assertEq(pc.DEFAULT_PREMIUM_BURN_BPS(), 5_000);
        assertEq(pc.MAX_PREMIUM_BPS(), 10_000);
        assertEq(pc.burnSink(), burnSink);
    }

    function test_constructor_rejectsZeroBurnSink() public {
        vm.expectRevert(PaymentChannels.ZeroAddress.selector);
        new PaymentChannels(IERC20(address(rbt)), governance, treasury, FEE, PERIOD, address(0));
    }

    function test_openWithPremium_storesTermsAndEmits() public {
        bytes32 expected = pc.channelId(payer, payee, pc.nonceOf(payer));
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelPremium(expected, PREMIUM, 5_000);
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelOpened(expected, payer, payee, 10e18);
        bytes32 id = _openPremium(10e18, PREMIUM);
        PaymentChannels.Channel memory c = pc.getChannel(id);
        assertEq(c.premiumBps, PREMIUM);
        assertEq(c.premiumBurnBps, 5_000);
        assertEq(c.feeBps, FEE);
        assertEq(c.deposit, 10e18);
        // A plain open has no premium terms.
        PaymentChannels.Channel memory plain = pc.getChannel(_open(10e18));
        assertEq(plain.premiumBps, 0);
        assertEq(plain.premiumBurnBps, 0);
        assertEq(plain.feeBps, FEE);
        // openWithPremium(…, 0) is a plain open.
        assertEq(pc.getChannel(_openPremium(1e18, 0)).premiumBps, 0);
    }

    function test_openWithPremium_rejectsTooHigh() public {
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.PremiumTooHigh.selector, 10_001, 10_000));
        pc.openWithPremium(payee, 1e18, 10_001);
        _openPremium(1e18, 10_000); // the maximum is allowed
    }

    function test_openWithPermitAndPremium() public {
        uint256 key = 0xC0FFEE;
        address user = vm.addr(key);
        rbt.mint(user, 10e18);
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                rbt.DOMAIN_SEPARATOR(),
                keccak256(
                    abi.encode(
                        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                        user,
                        address(pc),
                        10e18,
                        rbt.nonces(user),
                        block.timestamp + 1
                    )
                )
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        vm.prank(user);
        bytes32 id = pc.openWithPermitAndPremium(payee, 10e18, 2_500, block.timestamp + 1, v, r, s);
        assertEq(pc.getChannel(id).premiumBps, 2_500);
        assertEq(rbt.balanceOf(user), 0);
    }

    function test_redeem_splitsPremium() public {
        bytes32 id = _openPremium(100e18, PREMIUM);
        // 15 RBT at price × 1.5: 5 RBT premium, half of it (2.5) burned; fee 1 % of the remaining 12.5.
        PaymentChannels.Voucher memory v = _voucher(id, 15e18);
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelRedeemed(id, 15e18, 12.375e18);
        pc.redeem(v, _signVoucher(payerKey, v));
        assertEq(rbt.balanceOf(payee), 12.375e18);
        (uint256 burned, uint256 fee, uint256 toPayee) = pc.split(id, 15e18);
        assertEq(burned, 2.5e18);
        assertEq(fee, 0.125e18);
        assertEq(toPayee, 12.375e18);
        assertEq(pc.claimable(_voucher(id, 30e18), bytes32(0), 0), 12.375e18);

        // Cooperative close at 30: books fee and burn of the whole channel, pays the rest, refunds 70.
        bytes memory consent = _sign(payeeKey, pc.closeDigest(id, 30e18));
        uint256 payerBefore = rbt.balanceOf(payer);
        vm.prank(payer);
        pc.cooperativeClose(id, 30e18, consent);
        assertEq(rbt.balanceOf(payee), 24.75e18);
        assertEq(rbt.balanceOf(payer) - payerBefore, 70e18);
        assertEq(pc.accruedBurn(), 5e18);
        assertEq(pc.accruedFees(), 0.25e18);
        assertEq(pc.getChannel(id).premiumBps, 0, "terms deleted");

        vm.expectEmit(address(pc));
        emit PaymentChannels.BurnSwept(burnSink, 5e18);
        pc.sweepBurn();
        assertEq(rbt.balanceOf(burnSink), 5e18);
        assertEq(pc.accruedBurn(), 0);
        assertEq(pc.accruedFees(), 0.25e18, "fees untouched by the burn sweep");
        vm.expectRevert(PaymentChannels.ZeroAmount.selector);
        pc.sweepBurn();
        pc.sweepFees();
        assertEq(rbt.balanceOf(treasury), 0.25e18);
        assertEq(pc.accruedBurn(), 0, "burn untouched by the fee sweep");
        assertEq(rbt.balanceOf(address(pc)), 0);
    }

    function test_settle_booksBurn() public {
        bytes32 id = _openPremium(10e18, PREMIUM);
        PaymentChannels.Voucher memory v = _voucher(id, 3e18);
        pc.redeem(v, _signVoucher(payerKey, v));
        vm.prank(payer);
        pc.startClose(id);
        vm.warp(block.timestamp + PERIOD);
        pc.settle(id);
        (uint256 burned, uint256 fee, uint256 toPayee) = _split(3e18, FEE, PREMIUM, 5_000);
        assertEq(pc.accruedBurn(), burned);
        assertEq(pc.accruedFees(), fee);
        assertEq(rbt.balanceOf(payee), toPayee);
        assertEq(rbt.balanceOf(address(pc)), burned + fee);
    }

    function test_redeemBatch_mixesPremiumAndPlain() public {
        bytes32 a = _openPremium(10e18, 10_000);
        bytes32 b = _open(10e18);
        PaymentChannels.Redemption[] memory rs = new PaymentChannels.Redemption[](2);
        rs[0] = PaymentChannels.Redemption(_voucher(a, 4e18), _signVoucher(payerKey, _voucher(a, 4e18)), bytes32(0), 0);
        rs[1] = PaymentChannels.Redemption(_voucher(b, 4e18), _signVoucher(payerKey, _voucher(b, 4e18)), bytes32(0), 0);
        pc.redeemBatch(rs);
        (,, uint256 toPayeeA) = _split(4e18, FEE, 10_000, 5_000);
        assertEq(toPayeeA, 2.97e18); // 2 RBT premium, 1 burned, 1 % of 3
        assertEq(rbt.balanceOf(payee), toPayeeA + _net(4e18, FEE));
    }

    function test_premiumBurnBps_governance_andSnapshot() public {
        bytes32 before = _openPremium(10e18, PREMIUM);
        vm.prank(governance);
        vm.expectEmit(address(pc));
        emit PaymentChannels.PremiumBurnUpdated(5_000, 10_000);
        pc.setPremiumBurnBps(10_000);
        vm.prank(governance);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.BurnShareTooHigh.selector, 10_001, 10_000));
        pc.setPremiumBurnBps(10_001);
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NotGovernance.selector, stranger));
        pc.setPremiumBurnBps(0);
        // Open channels keep the share they were opened with.
        assertEq(pc.getChannel(before).premiumBurnBps, 5_000);
        bytes32 after_ = _openPremium(10e18, PREMIUM);
        assertEq(pc.getChannel(after_).premiumBurnBps, 10_000);
        (uint256 burned,,) = pc.split(after_, 3e18);
        assertEq(burned, 1e18, "the whole premium burned");
        vm.prank(governance);
        pc.setPremiumBurnBps(0);
        (burned,,) = pc.split(_openPremium(10e18, PREMIUM), 3e18);
        assertEq(burned, 0, "nothing burned: the payee keeps the premium");
    }

    /// The split of any increase Δ = x2 − x1: payee + burned + fee == Δ exactly, every part non-negative,
    /// and the parts equal the documented formula on the cumulative amounts.
    function testFuzz_split_exact(uint80 x1, uint80 x2, uint16 fee, uint16 p, uint16 b) public {
        fee = uint16(bound(fee, 0, 500));
        p = uint16(bound(p, 1, 10_000));
        b = uint16(bound(b, 0, 10_000));
        if (x1 > x2) (x1, x2) = (x2, x1);
        vm.startPrank(governance);
        pc.setFeeBps(fee);
        pc.setPremiumBurnBps(b);
        vm.stopPrank();
        bytes32 id = _openPremium(1, p);
        _checkStep(id, x1, x2);
        (uint256 burned, uint256 feeAmt, uint256 toPayee) = pc.split(id, x2);
        (uint256 eb, uint256 ef, uint256 ep) = _split(x2, fee, p, b);
        assertEq(burned, eb);
        assertEq(feeAmt, ef);
        assertEq(toPayee, ep);
        // Rounding: the burn is at most 2 wei below the exact rational share x·p·b / ((10_000 + p)·10_000).
        uint256 scale = (10_000 + uint256(p)) * 10_000;
        assertLe(burned * scale, uint256(x2) * p * b);
        assertGe((burned + 2) * scale, uint256(x2) * p * b);
    }

    /// @dev Each part of the split is non-decreasing from x1 to x2 and the increases add up to x2 − x1.
    function _checkStep(bytes32 id, uint256 x1, uint256 x2) internal view {
        (uint256 burned1, uint256 fee1, uint256 payee1) = pc.split(id, x1);
        (uint256 burned2, uint256 fee2, uint256 payee2) = pc.split(id, x2);
        assertGe(burned2, burned1);
        assertGe(fee2, fee1);
        assertGe(payee2, payee1, "the payee's share never decreases");
        assertEq((payee2 - payee1) + (burned2 - burned1) + (fee2 - fee1), x2 - x1);
    }

    /// Consecutive amounts: the payee's share never drops when the claim grows by 1 wei.
    function testFuzz_split_unitSteps(uint80 x, uint16 fee, uint16 p, uint16 b) public {
        vm.assume(x < type(uint80).max);
        vm.startPrank(governance);
        pc.setFeeBps(bound(fee, 0, 500));
        pc.setPremiumBurnBps(bound(b, 0, 10_000));
        vm.stopPrank();
        bytes32 id = _openPremium(1, bound(p, 1, 10_000));
        _checkStep(id, x, uint256(x) + 1);
    }

    /// A premium channel through random redemptions and a cooperative close conserves every token.
    function testFuzz_premiumChannel_conservesTokens(uint96 deposit, uint96[3] memory amounts, uint16 p, uint96 close)
        public
    {
        deposit = uint96(bound(deposit, 1, 1e24));
        p = uint16(bound(p, 1, 10_000));
        bytes32 id = _openPremium(deposit, p);
        uint256 redeemed;
        for (uint256 i = 0; i < 3; ++i) {
            uint256 amount = bound(amounts[i], 0, deposit);
            if (amount <= redeemed) continue;
            PaymentChannels.Voucher memory v = _voucher(id, amount);
            pc.redeem(v, _signVoucher(payerKey, v));
            redeemed = amount;
            (,, uint256 toPayee) = _split(redeemed, FEE, p, 5_000);
            assertEq(rbt.balanceOf(payee), toPayee);
        }
        uint256 final_ = bound(close, redeemed, deposit);
        uint256 payerBefore = rbt.balanceOf(payer);
        bytes memory consent = _sign(payeeKey, pc.closeDigest(id, final_));
        vm.prank(payer);
        pc.cooperativeClose(id, final_, consent);
        (uint256 burned, uint256 fee, uint256 toPayee_) = _split(final_, FEE, p, 5_000);
        assertEq(rbt.balanceOf(payee), toPayee_);
        assertEq(pc.accruedBurn(), burned);
        assertEq(pc.accruedFees(), fee);
        assertEq(rbt.balanceOf(payer) - payerBefore, deposit - final_);
        assertEq(toPayee_ + burned + fee + (deposit - final_), deposit);
        assertEq(rbt.balanceOf(address(pc)), burned + fee);
    }
}
