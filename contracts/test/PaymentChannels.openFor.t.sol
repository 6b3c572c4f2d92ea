// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PaymentChannels} from "../src/PaymentChannels.sol";
import {IChannelRefundReceiver} from "../src/interfaces/IChannelRefundReceiver.sol";
import {PaymentChannelsBase} from "./PaymentChannelsBase.sol";

/// @dev Books refunds as the shielded pool would.
contract RecordingReceiver is IChannelRefundReceiver {
    mapping(bytes32 => uint256) public refunds;
    address public immutable channels;

    constructor(address channels_) {
        channels = channels_;
    }

    function onChannelRefund(bytes32 id, uint256 refund) external {
        require(msg.sender == channels, "only channels");
        refunds[id] += refund;
    }
}

contract RevertingReceiver is IChannelRefundReceiver {
    function onChannelRefund(bytes32, uint256) external pure {
        revert("no");
    }
}

contract GasHogReceiver is IChannelRefundReceiver {
    uint256 public sink;

    function onChannelRefund(bytes32, uint256) external {
        for (uint256 i = 0; i < type(uint256).max; ++i) sink = i;
    }
}

/// @notice Channels funded by one address for another key ({openFor}) and closed by signature.
contract PaymentChannelsOpenForTest is PaymentChannelsBase {
    uint256 internal keyPk = 0x0E71;
    address internal key; // a one-time payer key: no tokens, no gas
    address internal funder;

    function setUp() public override {
        super.setUp();
        key = vm.addr(keyPk);
        funder = payer; // the wallet of the base fixture, with RBT and an allowance
    }

    function _openFor(uint256 deposit, address refundTo) internal returns (bytes32 id) {
        vm.prank(funder);
        id = pc.openFor(key, payee, deposit, 0, refundTo);
    }

    function test_openFor_keySignsFunderPays() public {
        uint256 before = rbt.balanceOf(funder);
        bytes32 expected = pc.channelId(key, payee, 0);
        vm.expectEmit(address(pc));
        emit PaymentChannels.ChannelOpened(expected, key, payee, 10e18);
        bytes32 id = _openFor(10e18, funder);
        assertEq(id, expected);
        assertEq(pc.nonceOf(key), 1);
        assertEq(pc.nonceOf(funder), 0);
        assertEq(rbt.balanceOf(funder), before - 10e18);
        PaymentChannels.Channel memory c = pc.getChannel(id);
        assertEq(c.payer, key);
        assertEq(c.refundTo, funder);
        assertEq(c.feeBps, FEE); // the refund flag does not leak into the fee
        // The key's vouchers redeem; the funder's do not.
        PaymentChannels.Voucher memory v = _voucher(id, 4e18);
        bytes memory bad = _signVoucher(payerKey, v);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSigner.selector, id, funder, key));
        pc.redeem(v, bad);
        pc.redeem(v, _signVoucher(keyPk, v));
        assertEq(rbt.balanceOf(payee), _net(4e18, FEE));
    }

    function test_openFor_refundToZeroOrPayerMeansPayer() public {
        vm.prank(funder);
        bytes32 a = pc.openFor(key, payee, 1e18, 0, address(0));
        vm.prank(funder);
        bytes32 b = pc.openFor(key, payee, 1e18, 0, key);
        assertEq(pc.getChannel(a).refundTo, key);
        assertEq(pc.getChannel(b).refundTo, key);
        vm.expectRevert(PaymentChannels.ZeroAddress.selector);
        vm.prank(funder);
        pc.openFor(address(0), payee, 1e18, 0, funder);
    }

    function test_cooperativeCloseSigned_refundsTheFunder() public {
        bytes32 id = _openFor(10e18, funder);
        PaymentChannels.Voucher memory v = _voucher(id, 2e18);
        pc.redeem(v, _signVoucher(keyPk, v));
        bytes memory payerSig = _sign(keyPk, pc.closeDigest(id, 3e18));
        bytes memory payeeSig = _sign(payeeKey, pc.closeDigest(id, 3e18));
        uint256 before = rbt.balanceOf(funder);
        vm.prank(makeAddr("anyone"));
        pc.cooperativeCloseSigned(id, 3e18, payerSig, payeeSig);
        assertEq(rbt.balanceOf(funder), before + 7e18);
        assertEq(rbt.balanceOf(key), 0);
        assertEq(rbt.balanceOf(payee), _net(3e18, FEE));
        assertEq(pc.accruedFees(), 0.03e18);
    }

    function test_cooperativeCloseSigned_needsBothSignatures() public {
        bytes32 id = _openFor(10e18, funder);
        bytes32 digest = pc.closeDigest(id, 3e18);
        bytes memory payerSig = _sign(keyPk, digest);
        bytes memory payeeSig = _sign(payeeKey, digest);
        // The payee alone (twice) is not the payer.
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSigner.selector, id, payee, key));
        pc.cooperativeCloseSigned(id, 3e18, payeeSig, payeeSig);
        // The payer alone (twice) is not the payee.
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSigner.selector, id, key, payee));
        pc.cooperativeCloseSigned(id, 3e18, payerSig, payerSig);
        // Signatures of another amount do not close at this one.
        vm.expectRevert();
        pc.cooperativeCloseSigned(id, 9e18, payerSig, payeeSig);
        pc.cooperativeCloseSigned(id, 3e18, payerSig, payeeSig);
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.ChannelNotFound.selector, id));
        pc.cooperativeCloseSigned(id, 3e18, payerSig, payeeSig);
    }

    function test_startCloseSigned_thenSettleRefundsTheFunder() public {
        bytes32 id = _openFor(10e18, funder);
        bytes memory sig = _sign(keyPk, pc.startCloseDigest(id));
        bytes memory wrong = _sign(payeeKey, pc.startCloseDigest(id));
        vm.expectRevert(abi.encodeWithSelector(PaymentChannels.InvalidSigner.selector, id, payee, key));
        pc.startCloseSigned(id, wrong);
        pc.startCloseSigned(id, sig);
        vm.expectRevert();
        pc.startCloseSigned(id, sig); // a replay: already closing
        PaymentChannels.Voucher memory v = _voucher(id, 1e18);
        pc.redeem(v, _signVoucher(keyPk, v));
        vm.warp(block.timestamp + PERIOD);
        uint256 before = rbt.balanceOf(funder);
        pc.settle(id);
        assertEq(rbt.balanceOf(funder), before + 9e18);
    }

    function test_refundReceiverIsTold() public {
        RecordingReceiver receiver = new RecordingReceiver(address(pc));
        bytes32 id = _openFor(10e18, address(receiver));
        assertEq(pc.getChannel(id).refundTo, address(receiver));
        bytes32 digest = pc.closeDigest(id, 4e18);
        pc.cooperativeCloseSigned(id, 4e18, _sign(keyPk, digest), _sign(payeeKey, digest));
        assertEq(rbt.balanceOf(address(receiver)), 6e18);
        assertEq(receiver.refunds(id), 6e18);
    }

    function test_failingReceiversNeverBlockThePayee() public {
        RevertingReceiver reverting = new RevertingReceiver();
        GasHogReceiver hog = new GasHogReceiver();
        bytes32 a = _openFor(10e18, address(reverting));
        bytes32 b = _openFor(10e18, address(hog));
        bytes32 da = pc.closeDigest(a, 4e18);
        bytes32 db = pc.closeDigest(b, 4e18);
        pc.cooperativeCloseSigned(a, 4e18, _sign(keyPk, da), _sign(payeeKey, da));
        uint256 gasBefore = gasleft();
        pc.cooperativeCloseSigned(b, 4e18, _sign(keyPk, db), _sign(payeeKey, db));
        // The hog burns at most REFUND_CALLBACK_GAS.
        assertLt(gasBefore - gasleft(), pc.REFUND_CALLBACK_GAS() + 120_000);
        assertEq(rbt.balanceOf(payee), 2 * _net(4e18, FEE));
        assertEq(rbt.balanceOf(address(reverting)), 6e18);
        assertEq(rbt.balanceOf(address(hog)), 6e18);
    }

    function testFuzz_openFor_conservesTokens(uint96 deposit, uint96 redeemAmt, uint96 closeAmt) public {
        deposit = uint96(bound(deposit, 1, 1_000e18));
        redeemAmt = uint96(bound(redeemAmt, 1, deposit));
        closeAmt = uint96(bound(closeAmt, redeemAmt, deposit));
        uint256 total = rbt.balanceOf(funder);
        bytes32 id = _openFor(deposit, funder);
        PaymentChannels.Voucher memory v = _voucher(id, redeemAmt);
        pc.redeem(v, _signVoucher(keyPk, v));
        bytes32 d = pc.closeDigest(id, closeAmt);
        pc.cooperativeCloseSigned(id, closeAmt, _sign(keyPk, d), _sign(payeeKey, d));
        assertEq(rbt.balanceOf(funder) + rbt.balanceOf(payee) + pc.accruedFees(), total);
        assertEq(rbt.balanceOf(address(pc)), pc.accruedFees());
    }
}
