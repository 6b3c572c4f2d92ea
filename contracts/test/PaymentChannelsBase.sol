// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

/// @dev Shared fixture of the PaymentChannels tests.
abstract contract PaymentChannelsBase is Test {
    MockRBT internal rbt;
    PaymentChannels internal pc;
    address internal governance = makeAddr("governance");
    address internal treasury = makeAddr("treasury");
    address internal burnSink = makeAddr("burnSink");
    uint256 internal payerKey = 0xA11CE;
    address internal payer;
    uint256 internal payeeKey = 0xB0B;
    address internal payee;
    uint256 internal constant FEE = 100; // 1 %
    uint256 internal constant PERIOD = 1 days;

    function setUp() public virtual {
        rbt = new MockRBT();
        pc = new PaymentChannels(IERC20(address(rbt)), governance, treasury, FEE, PERIOD, burnSink);
        payer = vm.addr(payerKey);
        payee = vm.addr(payeeKey);
        rbt.mint(payer, 1_000_000e18);
        vm.prank(payer);
        rbt.approve(address(pc), type(uint256).max);
    }

    function _open(uint256 deposit) internal returns (bytes32 id) {
        vm.prank(payer);
        id = pc.open(payee, deposit);
    }

    function _voucher(bytes32 id, uint256 amount) internal pure returns (PaymentChannels.Voucher memory v) {
        v = PaymentChannels.Voucher(id, amount, bytes32(0), 0);
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signVoucher(uint256 key, PaymentChannels.Voucher memory v) internal view returns (bytes memory) {
        return _sign(key, pc.voucherDigest(v));
    }

    function _net(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return amount - amount * bps / 10_000;
    }

    /// @dev sha256 applied `n` times.
    function _chain(bytes32 seed, uint256 n) internal pure returns (bytes32 h) {
        h = seed;
        for (uint256 i = 0; i < n; ++i) {
            h = sha256(abi.encodePacked(h));
        }
    }
}
