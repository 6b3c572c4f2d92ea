// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

/// @dev Drives PaymentChannels with random operations and keeps ghost totals of every token flow.
contract ChannelsHandler is Test {
    PaymentChannels internal pc;
    MockRBT internal rbt;
    uint256[3] internal payerKeys = [uint256(0xA1), 0xA2, 0xA3];
    address[3] internal payees = [address(0xB1), address(0xB2), address(0xB3)];
    address internal treasury;

    bytes32[] public ids;
    uint256 public ghostDeposited;
    uint256 public ghostPaidToPayees;
    uint256 public ghostRefunded;
    uint256 public ghostSwept;
    uint256 public ghostBurned;

    constructor(PaymentChannels pc_, MockRBT rbt_, address treasury_) {
        pc = pc_;
        rbt = rbt_;
        treasury = treasury_;
        for (uint256 i = 0; i < 3; ++i) {
            address p = vm.addr(payerKeys[i]);
            rbt.mint(p, 1e30);
            vm.prank(p);
            rbt.approve(address(pc), type(uint256).max);
        }
    }

    function idsLength() external view returns (uint256) {
        return ids.length;
    }

    function _payeesBalance() internal view returns (uint256 b) {
        for (uint256 i = 0; i < 3; ++i) {
            b += rbt.balanceOf(payees[i]);
        }
    }

    function open(uint256 payerSeed, uint256 payeeSeed, uint256 deposit, uint256 premiumBps) external {
        deposit = bound(deposit, 1, 1e24);
        address payer = vm.addr(payerKeys[payerSeed % 3]);
        // Half of the channels carry a priority premium.
        premiumBps = premiumBps % 2 == 0 ? 0 : bound(premiumBps, 1, pc.MAX_PREMIUM_BPS());
        vm.prank(payer);
        ids.push(pc.openWithPremium(payees[payeeSeed % 3], deposit, premiumBps));
        ghostDeposited += deposit;
    }

    function setPremiumBurn(uint256 bps) external {
        vm.prank(pc.governance());
        pc.setPremiumBurnBps(bound(bps, 0, 10_000));
    }

    function sweepBurn() external {
        if (pc.accruedBurn() == 0) return;
        uint256 before = rbt.balanceOf(pc.burnSink());
        pc.sweepBurn();
        ghostBurned += rbt.balanceOf(pc.burnSink()) - before;
    }

    function topUp(uint256 idSeed, uint256 amount) external {
        if (ids.length == 0) return;
        bytes32 id = ids[idSeed % ids.length];
        PaymentChannels.Channel memory c = pc.getChannel(id);
        if (c.payer == address(0)) return;
        amount = bound(amount, 1, 1e24);
        vm.prank(c.payer);
        pc.topUp(id, amount);
        ghostDeposited += amount;
    }

    function _keyOf(address payer) internal view returns (uint256) {
        for (uint256 i = 0; i < 3; ++i) {
            if (vm.addr(payerKeys[i]) == payer) return payerKeys[i];
        }
        revert("unknown payer");
    }

    function redeem(uint256 idSeed, uint256 amount) external {
        if (ids.length == 0) return;
        bytes32 id = ids[idSeed % ids.length];
        PaymentChannels.Channel memory c = pc.getChannel(id);
        if (c.payer == address(0)) return;
        amount = bound(amount, c.redeemed + 1, c.deposit * 2 + 1);
        PaymentChannels.Voucher memory v = PaymentChannels.Voucher(id, amount, bytes32(0), 0);
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(_keyOf(c.payer), pc.voucherDigest(v));
        uint256 before = _payeesBalance();
        if (c.redeemed >= c.deposit) return;
        pc.redeem(v, abi.encodePacked(r, s, sv));
        ghostPaidToPayees += _payeesBalance() - before;
    }

    function startClose(uint256 idSeed) external {
        if (ids.length == 0) return;
        bytes32 id = ids[idSeed % ids.length];
        PaymentChannels.Channel memory c = pc.getChannel(id);
        if (c.payer == address(0) || c.closesAt != 0) return;
        vm.prank(c.payer);
        pc.startClose(id);
    }

    function settle(uint256 idSeed) external {
        if (ids.length == 0) return;
        bytes32 id = ids[idSeed % ids.length];
        PaymentChannels.Channel memory c = pc.getChannel(id);
        if (c.payer == address(0) || c.closesAt == 0) return;
        if (block.timestamp < c.closesAt) vm.warp(c.closesAt);
        uint256 before = rbt.balanceOf(c.payer);
        pc.settle(id);
        ghostRefunded += rbt.balanceOf(c.payer) - before;
    }

    function cooperativeClose(uint256 idSeed, uint256 amount) external {
        if (ids.length == 0) return;
        bytes32 id = ids[idSeed % ids.length];
        PaymentChannels.Channel memory c = pc.getChannel(id);
        if (c.payer == address(0)) return;
        amount = bound(amount, c.redeemed, c.deposit + 1);
        bytes memory sig = _signAsPayee(c.payee, pc.closeDigest(id, amount));
        if (sig.length == 0) return;
        uint256 payerBefore = rbt.balanceOf(c.payer);
        uint256 payeesBefore = _payeesBalance();
        vm.prank(c.payer);
        pc.cooperativeClose(id, amount, sig);
        ghostRefunded += rbt.balanceOf(c.payer) - payerBefore;
        ghostPaidToPayees += _payeesBalance() - payeesBefore;
    }

    function _signAsPayee(address payee, bytes32 digest) internal view returns (bytes memory) {
        for (uint256 i = 0; i < 3; ++i) {
            if (payees[i] == payee) {
                (uint8 v, bytes32 r, bytes32 s) = vm.sign(0xB1 + i, digest);
                return abi.encodePacked(r, s, v);
            }
        }
        return "";
    }

    function sweep() external {
        if (pc.accruedFees() == 0) return;
        uint256 before = rbt.balanceOf(treasury);
        pc.sweepFees();
        ghostSwept += rbt.balanceOf(treasury) - before;
    }

    /// @dev Makes the payees addresses of known keys (0xB1..0xB3) so they can sign CloseChannel.
    function overridePayees() external {
        for (uint256 i = 0; i < 3; ++i) {
            payees[i] = vm.addr(0xB1 + i);
        }
    }
}

contract PaymentChannelsInvariantTest is Test {
    PaymentChannels internal pc;
    MockRBT internal rbt;
    ChannelsHandler internal handler;
    address internal treasury = makeAddr("treasury");

    function setUp() public {
        rbt = new MockRBT();
        pc = new PaymentChannels(IERC20(address(rbt)), makeAddr("gov"), treasury, 250, 1 hours, makeAddr("burnSink"));
        handler = new ChannelsHandler(pc, rbt, treasury);
        handler.overridePayees(); // payees are addresses of known keys so they can sign CloseChannel
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = ChannelsHandler.open.selector;
        selectors[1] = ChannelsHandler.topUp.selector;
        selectors[2] = ChannelsHandler.redeem.selector;
        selectors[3] = ChannelsHandler.startClose.selector;
        selectors[4] = ChannelsHandler.settle.selector;
        selectors[5] = ChannelsHandler.cooperativeClose.selector;
        selectors[6] = ChannelsHandler.sweep.selector;
        selectors[7] = ChannelsHandler.sweepBurn.selector;
        selectors[8] = ChannelsHandler.setPremiumBurn.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
        targetContract(address(handler));
    }

    /// Sum of deposits = channel balances + redeemed to payees + fees and burns (swept) + refunds.
    function invariant_tokensConserved() public view {
        assertEq(
            handler.ghostDeposited(),
            rbt.balanceOf(address(pc)) + handler.ghostPaidToPayees() + handler.ghostSwept() + handler.ghostRefunded()
                + handler.ghostBurned()
        );
    }

    /// The contract holds exactly what open channels still owe plus fees: every open channel's
    /// deposit minus the payee's share already paid, plus withheld and accrued fees.
    function invariant_balanceCoversChannels() public view {
        uint256 owed;
        uint256 n = handler.idsLength();
        for (uint256 i = 0; i < n; ++i) {
            PaymentChannels.Channel memory c = pc.getChannel(handler.ids(i));
            if (c.payer == address(0)) continue;
            assertLe(c.redeemed, c.deposit);
            // The payee's share per the documented split (burn first, then the fee on the rest).
            uint256 burned = c.redeemed * c.premiumBps / (10_000 + c.premiumBps) * c.premiumBurnBps / 10_000;
            uint256 fee = (c.redeemed - burned) * c.feeBps / 10_000;
            owed += c.deposit - (c.redeemed - burned - fee);
        }
        assertEq(rbt.balanceOf(address(pc)), owed + pc.accruedFees() + pc.accruedBurn());
    }
}
