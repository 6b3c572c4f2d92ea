// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PaymentChannelsBase} from "./PaymentChannelsBase.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Vm} from "forge-std/Vm.sol";

contract PaymentChannelsTest is PaymentChannelsBase {
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ───────────────────────────── constructor ─────────────────────────────

    function test_constructor_setsParameters() public view {
        assertEq(address(pc.token()), address(rbt));
        assertEq(pc.governance(), governance);
        assertEq(pc.treasury(), treasury);
        assertEq(pc.feeBps(), FEE);
        assertEq(pc.challengePeriod(), PERIOD);
        assertEq(pc.MAX_FEE_BPS(), 500);
    }

    function test_constructor_reverts() public {
        IERC20 t = IERC20(address(rbt));
        vm.expectRevert(PaymentChannels.ZeroAddress.selector);
        new PaymentChannels(IERC20(address(0)), governance, treasury, FEE, PERIOD, burnSink);
        vm.expectRevert(PaymentChannels.ZeroAddress.selector);
        new PaymentChannels(t, address(0), treasury, FEE, PERIOD, burnSink);
        vm.expectRevert(PaymentChannels.ZeroAddress.selector);
        new PaymentChannels(t, governance, address(0), FEE, PERIOD, burnSink);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.FeeTooHigh.selector, 501, 500));
        new PaymentChannels(t, governance, treasury, 501, PERIOD, burnSink);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentChannels.ChallengePeriodOutOfBounds.selector, 59 minutes, 1 hours, 30 days)
        );
        new PaymentChannels(t, governance, treasury, FEE, 59 minutes, burnSink);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentChannels.ChallengePeriodOutOfBounds.selector, 30 days + 60, 1 hours, 30 days)
        );
        new PaymentChannels(t, governance, treasury, FEE, 30 days + 60, burnSink);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChallengePeriodNotWholeMinutes.selector, 1 hours + 1));
        new PaymentChannels(t, governance, treasury, FEE, 1 hours + 1, burnSink);
    }

    function test_domain_matchesTypedDataTs() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Bandex Channels"),
                keccak256("1"),
                block.chainid,
                address(pc)
            )
        );
        assertEq(pc.domainSeparator(), expected);
        assertEq(
            pc.VOUCHER_TYPEHASH(),
            keccak256("Voucher(bytes32 channelId,uint256 amount,bytes32 tickAnchor,uint256 tickValue)")
        );
        assertEq(pc.CLOSE_CHANNEL_TYPEHASH(), keccak256("CloseChannel(bytes32 channelId,uint256 amount)"));
    }

    // ───────────────────────────── open / topUp ─────────────────────────────

    function test_open() public {
        bytes32 expectedId = keccak256(abi.encode(payer, payee, uint256(0)));
        assertEq(pc.channelId(payer, payee, 0), expectedId);
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelOpened(expectedId, payer, payee, 100e18);
        bytes32 id = _open(100e18);
        assertEq(id, expectedId);
        assertEq(pc.nonceOf(payer), 1);
        PaymentChannels.Channel memory c = pc.getChannel(id);
        assertEq(c.payer, payer);
        assertEq(c.payee, payee);
        assertEq(c.deposit, 100e18);
        assertEq(c.redeemed, 0);
        assertEq(c.closesAt, 0);
        assertEq(c.feeBps, FEE);
        assertEq(c.challengePeriod, PERIOD);
        assertEq(rbt.balanceOf(address(pc)), 100e18);
        // Same payer and payee, next nonce: a different id.
        bytes32 id2 = _open(1e18);
        assertEq(id2, keccak256(abi.encode(payer, payee, uint256(1))));
        assertTrue(id2 != id);
    }

    function test_open_reverts() public {
        vm.startPrank(payer);
        vm.expectRevert(PaymentChannels.ZeroAddress.selector);
        pc.open(address(0), 1);
        vm.expectRevert(PaymentChannels.ZeroAmount.selector);
        pc.open(payee, 0);
        uint256 tooMuch = uint256(type(uint80).max) + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                PaymentChannels.DepositTooLarge.selector, pc.channelId(payer, payee, 0), tooMuch, type(uint80).max
            )
        );
        pc.open(payee, tooMuch);
        vm.stopPrank();
        address poor = makeAddr("poor");
        vm.prank(poor);
        vm.expectRevert(); // ERC20InsufficientAllowance from the token
        pc.open(payee, 1);
    }

    function _permitSig(uint256 key, uint256 value, uint256 deadline)
        internal
        view
        returns (uint8 v, bytes32 r, bytes32 s)
    {
        address owner = vm.addr(key);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                owner,
                address(pc),
                value,
                rbt.nonces(owner),
                deadline
            )
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", rbt.DOMAIN_SEPARATOR(), structHash));
        (v, r, s) = vm.sign(key, digest);
    }

    function test_openWithPermit() public {
        uint256 key = 0xC0FFEE;
        address user = vm.addr(key);
        rbt.mint(user, 10e18);
        (uint8 v, bytes32 r, bytes32 s) = _permitSig(key, 10e18, block.timestamp + 1);
        vm.prank(user);
        bytes32 id = pc.openWithPermit(payee, 10e18, block.timestamp + 1, v, r, s);
        assertEq(pc.getChannel(id).deposit, 10e18);
        assertEq(rbt.balanceOf(user), 0);
    }

    function test_openWithPermit_toleratesFrontRunPermit() public {
        uint256 key = 0xC0FFEE;
        address user = vm.addr(key);
        rbt.mint(user, 10e18);
        (uint8 v, bytes32 r, bytes32 s) = _permitSig(key, 10e18, block.timestamp + 1);
        // An observer submits the permit first: the nonce is used, the allowance is set.
        rbt.permit(user, address(pc), 10e18, block.timestamp + 1, v, r, s);
        vm.prank(user);
        bytes32 id = pc.openWithPermit(payee, 10e18, block.timestamp + 1, v, r, s);
        assertEq(pc.getChannel(id).deposit, 10e18);
    }

    function test_openWithPermit_revertsWithoutAllowance() public {
        uint256 key = 0xC0FFEE;
        address user = vm.addr(key);
        rbt.mint(user, 10e18);
        (uint8 v, bytes32 r, bytes32 s) = _permitSig(key, 10e18, block.timestamp + 1);
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InsufficientAllowance.selector, user, 0, 11e18));
        pc.openWithPermit(payee, 11e18, block.timestamp + 1, v, r, s); // signed for 10, asks 11
    }

    function test_topUp_byAnyone() public {
        bytes32 id = _open(10e18);
        address funder = makeAddr("funder");
        rbt.mint(funder, 5e18);
        vm.startPrank(funder);
        rbt.approve(address(pc), 5e18);
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelToppedUp(id, funder, 5e18, 15e18);
        pc.topUp(id, 5e18);
        vm.stopPrank();
        assertEq(pc.getChannel(id).deposit, 15e18);
        assertEq(rbt.balanceOf(address(pc)), 15e18);
    }

    function test_topUp_reverts() public {
        bytes32 id = _open(10e18);
        vm.startPrank(payer);
        vm.expectRevert(PaymentChannels.ZeroAmount.selector);
        pc.topUp(id, 0);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChannelNotFound.selector, bytes32(uint256(1))));
        pc.topUp(bytes32(uint256(1)), 1);
        uint256 add = uint256(type(uint80).max);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentChannels.DepositTooLarge.selector, id, add + 10e18, type(uint80).max)
        );
        pc.topUp(id, add);
        vm.stopPrank();
    }

    // ───────────────────────────── redeem ─────────────────────────────

    function test_redeem_paysPayeeMinusFee_andStaysOpen() public {
        bytes32 id = _open(100e18);
        PaymentChannels.Voucher memory v = _voucher(id, 10e18);
        bytes memory sig = _signVoucher(payerKey, v);
        address watcher = makeAddr("watcher");
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelRedeemed(id, 10e18, _net(10e18, FEE));
        vm.prank(watcher); // anyone may redeem; funds go to the payee
        pc.redeem(v, sig);
        assertEq(rbt.balanceOf(payee), 9.9e18);
        assertEq(rbt.balanceOf(watcher), 0);
        assertEq(pc.getChannel(id).redeemed, 10e18);

        // A newer voucher pays only the increase.
        v = _voucher(id, 25e18);
        pc.redeem(v, _signVoucher(payerKey, v));
        assertEq(rbt.balanceOf(payee), _net(25e18, FEE));
        assertEq(pc.getChannel(id).payer, payer); // still open
    }

    function test_redeem_revertsWhenNotIncreasing() public {
        bytes32 id = _open(100e18);
        PaymentChannels.Voucher memory v = _voucher(id, 10e18);
        bytes memory sig = _signVoucher(payerKey, v);
        pc.redeem(v, sig);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NothingToRedeem.selector, id, 10e18, 10e18));
        pc.redeem(v, sig); // replay
        PaymentChannels.Voucher memory older = _voucher(id, 5e18);
        bytes memory olderSig = _signVoucher(payerKey, older);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NothingToRedeem.selector, id, 5e18, 10e18));
        pc.redeem(older, olderSig);
        PaymentChannels.Voucher memory zero = _voucher(id, 0);
        bytes memory zeroSig = _signVoucher(payerKey, zero);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NothingToRedeem.selector, id, 0, 10e18));
        pc.redeem(zero, zeroSig);
    }

    function test_redeem_cappedAtDeposit_thenTopUpUnlocksRest() public {
        bytes32 id = _open(10e18);
        PaymentChannels.Voucher memory v = _voucher(id, 15e18);
        bytes memory sig = _signVoucher(payerKey, v);
        pc.redeem(v, sig);
        assertEq(pc.getChannel(id).redeemed, 10e18);
        vm.prank(payer);
        pc.topUp(id, 10e18);
        pc.redeem(v, sig);
        assertEq(pc.getChannel(id).redeemed, 15e18);
        assertEq(rbt.balanceOf(payee), _net(15e18, FEE));
    }

    function test_redeem_revertsOnWrongSigner() public {
        bytes32 id = _open(10e18);
        PaymentChannels.Voucher memory v = _voucher(id, 1e18);
        bytes memory sig = _signVoucher(payeeKey, v);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSigner.selector, id, payee, payer));
        pc.redeem(v, sig);
    }

    function test_redeem_revertsOnUnknownChannel() public {
        PaymentChannels.Voucher memory v = _voucher(bytes32(uint256(7)), 1e18);
        bytes memory sig = _signVoucher(payerKey, v);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChannelNotFound.selector, bytes32(uint256(7))));
        pc.redeem(v, sig);
    }

    function test_redeem_rejectsReplayOnOtherChannel() public {
        bytes32 id1 = _open(10e18);
        bytes32 id2 = _open(10e18);
        PaymentChannels.Voucher memory v = _voucher(id1, 1e18);
        bytes memory sig = _signVoucher(payerKey, v);
        v.channelId = id2; // same signature presented for the other channel
        address recovered =
            ecrecover(pc.voucherDigest(v), uint8(sig[64]), bytes32(_slice(sig, 0)), bytes32(_slice(sig, 32)));
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSigner.selector, id2, recovered, payer));
        pc.redeem(v, sig);
    }

    function test_redeem_rejectsOtherChainId() public {
        bytes32 id = _open(10e18);
        PaymentChannels.Voucher memory v = _voucher(id, 1e18);
        uint256 chain = block.chainid;
        vm.chainId(chain + 1);
        bytes memory sig = _signVoucher(payerKey, v); // signed under another chain's domain
        vm.chainId(chain);
        vm.expectRevert();
        pc.redeem(v, sig);
        assertEq(pc.getChannel(id).redeemed, 0);
    }

    function _slice(bytes memory b, uint256 at) internal pure returns (uint256 w) {
        assembly {
            w := mload(add(add(b, 0x20), at))
        }
    }

    function test_redeem_rejectsHighS_andBadLength() public {
        bytes32 id = _open(10e18);
        PaymentChannels.Voucher memory v = _voucher(id, 1e18);
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(payerKey, pc.voucherDigest(v));
        bytes memory high = abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), sv == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSignature.selector, id));
        pc.redeem(v, high);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSignature.selector, id));
        pc.redeem(v, abi.encodePacked(r, bytes31(s)));
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSignature.selector, id));
        pc.redeem(v, abi.encodePacked(r, s, sv, uint8(0)));
    }

    function test_redeem_acceptsEip2098CompactSignature() public {
        bytes32 id = _open(10e18);
        PaymentChannels.Voucher memory v = _voucher(id, 1e18);
        (bytes32 r, bytes32 vs) = vm.signCompact(payerKey, pc.voucherDigest(v));
        pc.redeem(v, abi.encodePacked(r, vs));
        assertEq(pc.getChannel(id).redeemed, 1e18);
    }

    // ───────────────────────────── ticks ─────────────────────────────

    function test_redeemWithTicks() public {
        bytes32 id = _open(100e18);
        bytes32 seed = keccak256("seed");
        bytes32 anchor = _chain(seed, 300);
        PaymentChannels.Voucher memory v = PaymentChannels.Voucher(id, 1e18, anchor, 0.01e18);
        bytes memory sig = _signVoucher(payerKey, v);
        // Reveal the preimage 256 steps below the anchor: 256 ticks.
        pc.redeemWithTicks(v, sig, _chain(seed, 44), 256);
        assertEq(pc.getChannel(id).redeemed, 1e18 + 256 * 0.01e18);
        // A later tick of the same chain.
        pc.redeemWithTicks(v, sig, _chain(seed, 40), 260);
        assertEq(pc.getChannel(id).redeemed, 1e18 + 260 * 0.01e18);
        // An earlier tick no longer increases the claim.
        bytes32 pre = _chain(seed, 50);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentChannels.NothingToRedeem.selector, id, 1e18 + 250 * 0.01e18, 3.6e18)
        );
        pc.redeemWithTicks(v, sig, pre, 250);
        // The voucher alone is below too.
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NothingToRedeem.selector, id, 1e18, 3.6e18));
        pc.redeem(v, sig);
        assertEq(rbt.balanceOf(payee), _net(3.6e18, FEE));
    }

    function test_redeemWithTicks_maxTicks_andCap() public {
        bytes32 id = _open(5e18);
        bytes32 seed = keccak256("seed");
        bytes32 anchor = _chain(seed, 1024);
        PaymentChannels.Voucher memory v = PaymentChannels.Voucher(id, 1e18, anchor, 1e18);
        bytes memory sig = _signVoucher(payerKey, v);
        pc.redeemWithTicks(v, sig, seed, 1024);
        assertEq(pc.getChannel(id).redeemed, 5e18); // capped at the deposit
    }

    function test_redeemWithTicks_hugeTickValueSaturates() public {
        bytes32 id = _open(5e18);
        bytes32 seed = keccak256("seed");
        PaymentChannels.Voucher memory v =
            PaymentChannels.Voucher(id, type(uint256).max, _chain(seed, 3), type(uint256).max / 2);
        bytes memory sig = _signVoucher(payerKey, v);
        pc.redeemWithTicks(v, sig, seed, 3);
        assertEq(pc.getChannel(id).redeemed, 5e18);
    }

    function test_redeemWithTicks_reverts() public {
        bytes32 id = _open(100e18);
        bytes32 seed = keccak256("seed");
        bytes32 anchor = _chain(seed, 10);
        PaymentChannels.Voucher memory v = PaymentChannels.Voucher(id, 1e18, anchor, 1e15);
        bytes memory sig = _signVoucher(payerKey, v);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidTickPreimage.selector, id, 9));
        pc.redeemWithTicks(v, sig, seed, 9); // wrong index
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidTickPreimage.selector, id, 10));
        pc.redeemWithTicks(v, sig, bytes32(uint256(1)), 10); // wrong preimage
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidTickPreimage.selector, id, 0));
        pc.redeemWithTicks(v, sig, anchor, 0);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.TooManyTicks.selector, id, 1025, 1024));
        pc.redeemWithTicks(v, sig, seed, 1025);
        PaymentChannels.Voucher memory plain = _voucher(id, 1e18);
        bytes memory plainSig = _signVoucher(payerKey, plain);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NoTickAnchor.selector, id));
        pc.redeemWithTicks(plain, plainSig, seed, 1);
    }

    // ───────────────────────────── batch ─────────────────────────────

    function test_redeemBatch_oneTransfer() public {
        uint256 n = 5;
        PaymentChannels.Redemption[] memory rs = new PaymentChannels.Redemption[](n);
        uint256 expected;
        for (uint256 i = 0; i < n; ++i) {
            bytes32 id = _open(10e18);
            PaymentChannels.Voucher memory v = _voucher(id, (i + 1) * 1e18);
            rs[i] = PaymentChannels.Redemption(v, _signVoucher(payerKey, v), bytes32(0), 0);
            expected += _net((i + 1) * 1e18, FEE);
        }
        // The last one uses ticks.
        bytes32 seed = keccak256("s");
        bytes32 lastId = rs[n - 1].voucher.channelId;
        PaymentChannels.Voucher memory tv = PaymentChannels.Voucher(lastId, 1e18, _chain(seed, 4), 1e18);
        rs[n - 1] = PaymentChannels.Redemption(tv, _signVoucher(payerKey, tv), seed, 4);
        expected = expected - _net(n * 1e18, FEE) + _net(5e18, FEE);
        pc.redeemBatch(rs);
        assertEq(rbt.balanceOf(payee), expected);
        assertEq(pc.getChannel(lastId).redeemed, 5e18);
    }

    function test_redeemBatch_countsSingleTransfer() public {
        PaymentChannels.Redemption[] memory rs = new PaymentChannels.Redemption[](3);
        for (uint256 i = 0; i < 3; ++i) {
            bytes32 id = _open(10e18);
            PaymentChannels.Voucher memory v = _voucher(id, 1e18);
            rs[i] = PaymentChannels.Redemption(v, _signVoucher(payerKey, v), bytes32(0), 0);
        }
        vm.recordLogs();
        pc.redeemBatch(rs);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 transfers;
        uint256 redeemedEvents;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == keccak256("Transfer(address,address,uint256)")) transfers++;
            if (logs[i].topics[0] == PaymentChannels.ChannelRedeemed.selector) redeemedEvents++;
        }
        assertEq(transfers, 1);
        assertEq(redeemedEvents, 3);
    }

    function test_redeemBatch_reverts() public {
        vm.expectRevert(PaymentChannels.EmptyBatch.selector);
        pc.redeemBatch(new PaymentChannels.Redemption[](0));

        bytes32 a = _open(10e18);
        address other = makeAddr("other");
        vm.prank(payer);
        bytes32 b = pc.open(other, 10e18);
        PaymentChannels.Redemption[] memory rs = new PaymentChannels.Redemption[](2);
        PaymentChannels.Voucher memory va = _voucher(a, 1e18);
        PaymentChannels.Voucher memory vb = _voucher(b, 1e18);
        rs[0] = PaymentChannels.Redemption(va, _signVoucher(payerKey, va), bytes32(0), 0);
        rs[1] = PaymentChannels.Redemption(vb, _signVoucher(payerKey, vb), bytes32(0), 0);
        // The element of another payee is skipped; the rest is redeemed.
        vm.expectEmit(address(pc));
        emit PaymentChannels.RedemptionSkipped(b, pc.SKIP_PAYEE_MISMATCH());
        assertEq(pc.redeemBatch(rs), 1);
        assertEq(pc.getChannel(a).redeemed, 1e18);
        assertEq(pc.getChannel(b).redeemed, 0);
        // A batch where every element is stale redeems nothing and says so.
        rs[1] = rs[0];
        vm.expectRevert(PaymentChannels.NothingRedeemed.selector);
        pc.redeemBatch(rs);
    }

    function test_redeemBatch_skipsBadElements_paysTheRest() public {
        bytes32 d = _open(10e18);
        bytes32 gone = _open(10e18);
        // `gone` closes cooperatively before the batch lands (the watcher could not know).
        bytes memory consent = _sign(payeeKey, pc.closeDigest(gone, 1e18));
        vm.prank(payer);
        pc.cooperativeClose(gone, 1e18, consent);
        bytes32 seed = keccak256("seed");
        PaymentChannels.Voucher memory vt = PaymentChannels.Voucher(d, 1e18, _chain(seed, 10), 1e17);
        PaymentChannels.Redemption[] memory rs = new PaymentChannels.Redemption[](6);
        rs[0] = _element(gone, 5e18, payerKey); // channel gone
        rs[1] = _element(_open(10e18), 2e18, payerKey); // good
        rs[2] = _element(_open(10e18), 3e18, payeeKey); // wrong signer
        rs[3] = _element(_open(10e18), 4e18, payerKey);
        rs[3].signature = hex"1234"; // malformed signature
        rs[4] = PaymentChannels.Redemption(vt, _signVoucher(payerKey, vt), _chain(seed, 1), 10); // bad ticks
        rs[5] = PaymentChannels.Redemption(vt, _signVoucher(payerKey, vt), seed, 10); // good with ticks
        uint256 before = rbt.balanceOf(payee);
        vm.recordLogs();
        assertEq(pc.redeemBatch(rs), 2);
        assertEq(rbt.balanceOf(payee) - before, _net(2e18, FEE) + _net(2e18, FEE));
        assertEq(pc.getChannel(rs[1].voucher.channelId).redeemed, 2e18);
        assertEq(pc.getChannel(rs[2].voucher.channelId).redeemed, 0);
        assertEq(pc.getChannel(rs[3].voucher.channelId).redeemed, 0);
        assertEq(pc.getChannel(d).redeemed, 2e18);
        uint256 skipped;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == PaymentChannels.RedemptionSkipped.selector) ++skipped;
        }
        assertEq(skipped, 4);
    }

    function _element(bytes32 id, uint256 amount, uint256 key)
        internal
        view
        returns (PaymentChannels.Redemption memory)
    {
        PaymentChannels.Voucher memory v = _voucher(id, amount);
        return PaymentChannels.Redemption(v, _signVoucher(key, v), bytes32(0), 0);
    }

    // ───────────────────────────── cooperative close ─────────────────────────────

    function test_cooperativeClose() public {
        bytes32 id = _open(100e18);
        PaymentChannels.Voucher memory v = _voucher(id, 10e18);
        pc.redeem(v, _signVoucher(payerKey, v));
        bytes memory consent = _sign(payeeKey, pc.closeDigest(id, 30e18));
        uint256 payerBefore = rbt.balanceOf(payer);
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelClosed(id, 30e18, 70e18);
        vm.prank(payer);
        pc.cooperativeClose(id, 30e18, consent);
        assertEq(rbt.balanceOf(payee), _net(30e18, FEE));
        assertEq(rbt.balanceOf(payer), payerBefore + 70e18);
        assertEq(pc.accruedFees(), 0.3e18);
        assertEq(rbt.balanceOf(address(pc)), 0.3e18);
        PaymentChannels.Channel memory c = pc.getChannel(id);
        assertEq(c.payer, address(0));
        assertEq(c.deposit, 0);
        // Deleted: nothing can be redeemed any more.
        bytes memory sig = _signVoucher(payerKey, v);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChannelNotFound.selector, id));
        pc.redeem(v, sig);
    }

    function test_cooperativeClose_duringChallenge_andCapped() public {
        bytes32 id = _open(10e18);
        vm.prank(payer);
        pc.startClose(id);
        bytes memory consent = _sign(payeeKey, pc.closeDigest(id, 50e18));
        vm.prank(payer);
        pc.cooperativeClose(id, 50e18, consent);
        assertEq(rbt.balanceOf(payee), _net(10e18, FEE));
        assertEq(pc.getChannel(id).closesAt, 0);
        // The stale closesAt of a cooperatively closed channel cannot be settled or restarted.
        vm.warp(block.timestamp + PERIOD);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChannelNotFound.selector, id));
        pc.settle(id);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChannelNotFound.selector, id));
        vm.prank(payer);
        pc.startClose(id);
    }

    function test_cooperativeClose_reverts() public {
        bytes32 id = _open(100e18);
        PaymentChannels.Voucher memory v = _voucher(id, 10e18);
        pc.redeem(v, _signVoucher(payerKey, v));
        bytes memory consent = _sign(payeeKey, pc.closeDigest(id, 5e18));
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NotPayer.selector, id, payee, payer));
        vm.prank(payee);
        pc.cooperativeClose(id, 5e18, consent);
        vm.startPrank(payer);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.CloseBelowRedeemed.selector, id, 5e18, 10e18));
        pc.cooperativeClose(id, 5e18, consent);
        bytes memory selfSigned = _sign(payerKey, pc.closeDigest(id, 10e18));
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSigner.selector, id, payer, payee));
        pc.cooperativeClose(id, 10e18, selfSigned);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSignature.selector, id));
        pc.cooperativeClose(id, 10e18, hex"00");
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChannelNotFound.selector, bytes32(0)));
        pc.cooperativeClose(bytes32(0), 10e18, consent);
        vm.stopPrank();
    }

    // ───────────────────────────── unilateral close ─────────────────────────────

    function test_startClose_redeemDuringChallenge_settle() public {
        bytes32 id = _open(100e18);
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelCloseStarted(id, block.timestamp + PERIOD);
        vm.prank(payer);
        pc.startClose(id);
        assertEq(pc.getChannel(id).closesAt, block.timestamp + PERIOD);

        vm.warp(block.timestamp + PERIOD - 1);
        PaymentChannels.Voucher memory v = _voucher(id, 40e18);
        pc.redeem(v, _signVoucher(payerKey, v)); // the payee still redeems
        vm.expectRevert(
            abi.encodeWithSelector(
                PaymentChannels.ChallengePeriodActive.selector, id, block.timestamp + 1, block.timestamp
            )
        );
        pc.settle(id);

        vm.warp(block.timestamp + 1);
        uint256 payerBefore = rbt.balanceOf(payer);
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelSettled(id, 40e18, 60e18);
        vm.prank(makeAddr("anyone"));
        pc.settle(id);
        assertEq(rbt.balanceOf(payer), payerBefore + 60e18);
        assertEq(pc.accruedFees(), 0.4e18);
        assertEq(pc.getChannel(id).payer, address(0));
        assertEq(pc.getChannel(id).closesAt, 0);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NotClosing.selector, id));
        pc.settle(id);
    }

    /// Documented choice: a voucher stays redeemable after closesAt until someone settles.
    function test_redeemAfterChallengeBeforeSettle() public {
        bytes32 id = _open(10e18);
        vm.prank(payer);
        pc.startClose(id);
        vm.warp(block.timestamp + PERIOD + 1);
        PaymentChannels.Voucher memory v = _voucher(id, 4e18);
        pc.redeem(v, _signVoucher(payerKey, v));
        uint256 before = rbt.balanceOf(payer);
        pc.settle(id);
        assertEq(rbt.balanceOf(payer), before + 6e18);
    }

    function test_settle_withoutRedeem_refundsAll_noFee() public {
        bytes32 id = _open(100e18);
        uint256 before = rbt.balanceOf(payer);
        vm.prank(payer);
        pc.startClose(id);
        vm.warp(block.timestamp + PERIOD);
        pc.settle(id);
        assertEq(rbt.balanceOf(payer), before + 100e18);
        assertEq(pc.accruedFees(), 0);
    }

    function test_settle_fullyRedeemed_noRefund() public {
        bytes32 id = _open(10e18);
        PaymentChannels.Voucher memory v = _voucher(id, 10e18);
        pc.redeem(v, _signVoucher(payerKey, v));
        vm.prank(payer);
        pc.startClose(id);
        vm.warp(block.timestamp + PERIOD);
        pc.settle(id);
        assertEq(rbt.balanceOf(address(pc)), pc.accruedFees());
    }

    function test_startClose_reverts() public {
        bytes32 id = _open(10e18);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NotPayer.selector, id, payee, payer));
        vm.prank(payee);
        pc.startClose(id);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChannelNotFound.selector, bytes32(0)));
        pc.startClose(bytes32(0));
        vm.startPrank(payer);
        pc.startClose(id);
        uint256 closesAt = block.timestamp + PERIOD;
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.AlreadyClosing.selector, id, closesAt));
        pc.startClose(id);
        vm.stopPrank();
    }

    // ───────────────────────────── fees and governance ─────────────────────────────

    function test_sweepFees() public {
        vm.expectRevert(PaymentChannels.ZeroAmount.selector);
        pc.sweepFees();
        bytes32 id = _open(100e18);
        bytes memory consent = _sign(payeeKey, pc.closeDigest(id, 50e18));
        vm.prank(payer);
        pc.cooperativeClose(id, 50e18, consent);
        vm.expectEmit(address(pc));
        emit PaymentChannels.FeesSwept(treasury, 0.5e18);
        pc.sweepFees();
        assertEq(rbt.balanceOf(treasury), 0.5e18);
        assertEq(pc.accruedFees(), 0);
        assertEq(rbt.balanceOf(address(pc)), 0);
        vm.expectRevert(PaymentChannels.ZeroAmount.selector);
        pc.sweepFees();
    }

    function test_governance_setters() public {
        vm.startPrank(governance);
        vm.expectEmit(address(pc));
        emit PaymentChannels.FeeUpdated(FEE, 500);
        pc.setFeeBps(500);
        assertEq(pc.feeBps(), 500);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.FeeTooHigh.selector, 501, 500));
        pc.setFeeBps(501);
        address t2 = makeAddr("t2");
        pc.setTreasury(t2);
        assertEq(pc.treasury(), t2);
        vm.expectRevert(PaymentChannels.ZeroAddress.selector);
        pc.setTreasury(address(0));
        pc.setChallengePeriod(30 days);
        assertEq(pc.challengePeriod(), 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(PaymentChannels.ChallengePeriodOutOfBounds.selector, 0, 1 hours, 30 days)
        );
        pc.setChallengePeriod(0);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChallengePeriodNotWholeMinutes.selector, 2 hours + 30));
        pc.setChallengePeriod(2 hours + 30);
        vm.stopPrank();

        address stranger = makeAddr("stranger");
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NotGovernance.selector, stranger));
        pc.setFeeBps(0);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NotGovernance.selector, stranger));
        pc.setTreasury(stranger);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NotGovernance.selector, stranger));
        pc.setChallengePeriod(1 hours);
        vm.stopPrank();
    }

    function test_termsSnapshotAtOpen() public {
        bytes32 oldId = _open(100e18);
        vm.startPrank(governance);
        pc.setFeeBps(500);
        pc.setChallengePeriod(2 hours);
        vm.stopPrank();
        bytes32 newId = _open(100e18);
        assertEq(pc.getChannel(oldId).feeBps, FEE);
        assertEq(pc.getChannel(oldId).challengePeriod, PERIOD);
        assertEq(pc.getChannel(newId).feeBps, 500);
        assertEq(pc.getChannel(newId).challengePeriod, 2 hours);
        PaymentChannels.Voucher memory v = _voucher(oldId, 10e18);
        pc.redeem(v, _signVoucher(payerKey, v));
        assertEq(rbt.balanceOf(payee), 9.9e18);
    }

    function test_claimable() public {
        bytes32 id = _open(100e18);
        bytes32 seed = keccak256("x");
        PaymentChannels.Voucher memory v = PaymentChannels.Voucher(id, 10e18, _chain(seed, 2), 1e18);
        assertEq(pc.claimable(v, bytes32(0), 0), 9.9e18);
        assertEq(pc.claimable(v, seed, 2), _net(12e18, FEE));
        pc.redeem(v, _signVoucher(payerKey, v));
        assertEq(pc.claimable(v, bytes32(0), 0), 0);
        assertEq(pc.claimable(v, seed, 2), _net(12e18, FEE) - 9.9e18);
    }

    // ───────────────────────────── fuzz ─────────────────────────────

    /// Any sequence of redeems pays the payee exactly net(final) and keeps the fee for the treasury.
    function testFuzz_redeemSequence_conservesTokens(uint96 deposit, uint96[4] memory amounts, uint16 fee) public {
        deposit = uint96(bound(deposit, 1, 1_000_000e18));
        fee = uint16(bound(fee, 0, 500));
        vm.prank(governance);
        pc.setFeeBps(fee);
        bytes32 id = _open(deposit);
        uint256 redeemed;
        for (uint256 i = 0; i < amounts.length; ++i) {
            uint256 a = bound(amounts[i], 0, uint256(deposit) * 2);
            PaymentChannels.Voucher memory v = _voucher(id, a);
            bytes memory sig = _signVoucher(payerKey, v);
            uint256 claim = a > deposit ? deposit : a;
            if (claim <= redeemed) {
                vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NothingToRedeem.selector, id, claim, redeemed));
                pc.redeem(v, sig);
            } else {
                pc.redeem(v, sig);
                redeemed = claim;
            }
            assertEq(rbt.balanceOf(payee), _net(redeemed, fee));
        }
        vm.prank(payer);
        pc.startClose(id);
        vm.warp(block.timestamp + PERIOD);
        pc.settle(id);
        assertEq(pc.accruedFees(), redeemed - _net(redeemed, fee));
        assertEq(rbt.balanceOf(address(pc)), pc.accruedFees());
        assertEq(rbt.balanceOf(payer), 1_000_000e18 - redeemed);
    }

    function testFuzz_ticks(uint256 ticks, uint256 tickValue, uint256 amount) public {
        ticks = bound(ticks, 1, 64);
        tickValue = bound(tickValue, 0, 1e18);
        amount = bound(amount, 0, 50e18);
        bytes32 id = _open(60e18);
        bytes32 seed = keccak256(abi.encode(ticks, tickValue));
        PaymentChannels.Voucher memory v = PaymentChannels.Voucher(id, amount, _chain(seed, ticks), tickValue);
        bytes memory sig = _signVoucher(payerKey, v);
        uint256 claim = amount + ticks * tickValue;
        if (claim > 60e18) claim = 60e18;
        if (claim == 0) {
            vm.expectRevert(abi.encodeWithSelector(PaymentChannels.NothingToRedeem.selector, id, 0, 0));
        }
        pc.redeemWithTicks(v, sig, seed, ticks);
        assertEq(pc.getChannel(id).redeemed, claim);
    }

    function testFuzz_cooperativeClose(uint96 deposit, uint96 redeemAmt, uint96 closeAmt) public {
        deposit = uint96(bound(deposit, 1, 1_000_000e18));
        redeemAmt = uint96(bound(redeemAmt, 1, deposit));
        closeAmt = uint96(bound(closeAmt, redeemAmt, uint256(deposit) + 1e18));
        bytes32 id = _open(deposit);
        PaymentChannels.Voucher memory v = _voucher(id, redeemAmt);
        pc.redeem(v, _signVoucher(payerKey, v));
        bytes memory consent = _sign(payeeKey, pc.closeDigest(id, closeAmt));
        vm.prank(payer);
        pc.cooperativeClose(id, closeAmt, consent);
        uint256 final_ = closeAmt > deposit ? deposit : closeAmt;
        assertEq(rbt.balanceOf(payee), _net(final_, FEE));
        assertEq(rbt.balanceOf(payer), 1_000_000e18 - final_);
        assertEq(rbt.balanceOf(address(pc)), final_ - _net(final_, FEE));
    }
}
