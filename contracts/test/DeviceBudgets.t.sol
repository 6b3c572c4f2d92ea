// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DeviceBudgets} from "../src/DeviceBudgets.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {PaymentChannelsBase} from "./PaymentChannelsBase.sol";

/// @notice Budgets enforced on chain: three devices of one owner, one that overspends, a stolen key.
contract DeviceBudgetsTest is PaymentChannelsBase {
    DeviceBudgets internal budgets;
    address internal owner;
    uint256[3] internal deviceKeys = [uint256(0xD1), 0xD2, 0xD3];
    address[3] internal devices;
    address internal relayer = makeAddr("relayer");
    uint256 internal constant BUDGET = 10e18;
    uint256 internal constant DAY = 1 days;

    function setUp() public override {
        super.setUp();
        budgets = new DeviceBudgets(rbt, pc);
        owner = payer; // holds RBT, see PaymentChannelsBase
        vm.startPrank(owner);
        rbt.approve(address(budgets), type(uint256).max);
        budgets.deposit(100e18);
        for (uint256 i = 0; i < 3; ++i) {
            devices[i] = vm.addr(deviceKeys[i]);
            budgets.setDevice(devices[i], BUDGET, DAY);
        }
        vm.stopPrank();
    }

    function _request(uint256 i, uint256 deposit, uint256 nonce) internal view returns (bytes memory) {
        bytes32 digest = budgets.openChannelDigest(payee, deposit, 0, nonce, block.timestamp + 60);
        return _sign(deviceKeys[i], digest);
    }

    function _open(uint256 i, uint256 deposit) internal returns (bytes32) {
        bytes memory sig = _request(i, deposit, budgets.nonceOf(devices[i]));
        vm.prank(relayer);
        return budgets.openChannel(devices[i], payee, deposit, 0, block.timestamp + 60, sig);
    }

    function test_devicesSpendWithinBudget_andTheOverspenderIsRefused() public {
        bytes32 a = _open(0, 4e18);
        _open(1, 10e18);
        _open(2, 6e18);
        PaymentChannels.Channel memory c = pc.getChannel(a);
        assertEq(c.payer, devices[0]); // the device signs the vouchers
        assertEq(c.refundTo, address(budgets));
        assertEq(budgets.balanceOf(owner), 80e18);
        // Device 2 asks for 5 more: 11 > 10 in this period.
        bytes memory sig = _request(2, 5e18, 1);
        vm.expectRevert(abi.encodeWithSelector(DeviceBudgets.BudgetExceeded.selector, devices[2], 6e18, 5e18, BUDGET));
        budgets.openChannel(devices[2], payee, 5e18, 0, block.timestamp + 60, sig);
        (, uint256 available) = budgets.deviceOf(devices[2]);
        assertEq(available, 4e18);
        _open(2, 4e18);
        // The next period refills the budget, not the owner's balance.
        vm.warp(block.timestamp + DAY);
        _open(2, 10e18);
        assertEq(budgets.balanceOf(owner), 66e18);
    }

    function test_aStolenKeyTakesAtMostItsBudget_untilRevoked() public {
        // The thief signs as device 0 and sends the channels to a payee of its own.
        uint256 taken;
        for (uint256 n = 0; n < 20; ++n) {
            bytes memory sig = _request(0, 1e18, n);
            vm.prank(relayer);
            try budgets.openChannel(devices[0], payee, 1e18, 0, block.timestamp + 60, sig) {
                taken += 1e18;
            } catch {
                break;
            }
        }
        assertEq(taken, BUDGET);
        vm.prank(owner);
        budgets.revokeDevice(devices[0]);
        vm.warp(block.timestamp + DAY);
        bytes memory next = _request(0, 1e18, 10);
        vm.expectRevert(abi.encodeWithSelector(DeviceBudgets.UnknownDevice.selector, devices[0]));
        budgets.openChannel(devices[0], payee, 1e18, 0, block.timestamp + 60, next);
    }

    function test_requestsCannotBeForgedReplayedOrStolen() public {
        bytes memory sig = _request(0, 1e18, 0);
        // Another device's key, another amount, an expired deadline.
        vm.expectRevert();
        budgets.openChannel(devices[1], payee, 1e18, 0, block.timestamp + 60, sig);
        vm.expectRevert();
        budgets.openChannel(devices[0], payee, 2e18, 0, block.timestamp + 60, sig);
        budgets.openChannel(devices[0], payee, 1e18, 0, block.timestamp + 60, sig);
        // A replay: the nonce moved on.
        vm.expectRevert();
        budgets.openChannel(devices[0], payee, 1e18, 0, block.timestamp + 60, sig);
        uint256 deadline = block.timestamp + 60;
        bytes memory late = _sign(deviceKeys[0], budgets.openChannelDigest(payee, 1e18, 0, 1, deadline));
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(DeviceBudgets.RequestExpired.selector, deadline, deadline + 1));
        budgets.openChannel(devices[0], payee, 1e18, 0, deadline, late);
        // Another owner cannot take a device over or revoke it.
        address other = makeAddr("other");
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(DeviceBudgets.NotOwner.selector, devices[0], other, owner));
        budgets.setDevice(devices[0], 1_000e18, DAY);
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(DeviceBudgets.NotOwner.selector, devices[0], other, owner));
        budgets.revokeDevice(devices[0]);
    }

    function test_ownerBalanceBoundsAllDevices() public {
        vm.prank(owner);
        budgets.withdraw(85e18);
        _open(0, 10e18);
        bytes memory sig = _request(1, 6e18, 0);
        vm.expectRevert(abi.encodeWithSelector(DeviceBudgets.InsufficientBalance.selector, owner, 5e18, 6e18));
        budgets.openChannel(devices[1], payee, 6e18, 0, block.timestamp + 60, sig);
        vm.expectRevert(abi.encodeWithSelector(DeviceBudgets.InsufficientBalance.selector, owner, 5e18, 6e18));
        vm.prank(owner);
        budgets.withdraw(6e18);
    }

    function test_refundsComeBackToTheOwner() public {
        bytes32 id = _open(0, 10e18);
        PaymentChannels.Voucher memory v = _voucher(id, 3e18);
        pc.redeem(v, _signVoucher(deviceKeys[0], v));
        bytes32 d = pc.closeDigest(id, 3e18);
        pc.cooperativeCloseSigned(id, 3e18, _sign(deviceKeys[0], d), _sign(payeeKey, d));
        assertEq(budgets.balanceOf(owner), 97e18);
        assertEq(rbt.balanceOf(address(budgets)), 97e18);
        // The refund does not refill the device's budget.
        (, uint256 available) = budgets.deviceOf(devices[0]);
        assertEq(available, 0);
        // Only PaymentChannels may credit refunds.
        vm.expectRevert(abi.encodeWithSelector(DeviceBudgets.NotChannels.selector, address(this)));
        budgets.onChannelRefund(id, 1e18);
    }

    function testFuzz_spendInAWindowNeverExceedsBudget(uint96[8] memory deposits, uint32 gap) public {
        uint256 spentThisWindow;
        uint256 window = block.timestamp / DAY;
        for (uint256 i = 0; i < 8; ++i) {
            vm.warp(block.timestamp + (gap % 6 hours));
            if (block.timestamp / DAY != window) {
                window = block.timestamp / DAY;
                spentThisWindow = 0;
            }
            uint256 amount = bound(deposits[i], 1, 12e18);
            bytes memory sig = _request(0, amount, budgets.nonceOf(devices[0]));
            try budgets.openChannel(devices[0], payee, amount, 0, block.timestamp + 60, sig) {
                spentThisWindow += amount;
            } catch {}
            assertLe(spentThisWindow, BUDGET);
        }
        assertEq(rbt.balanceOf(address(budgets)), budgets.balanceOf(owner));
    }
}
