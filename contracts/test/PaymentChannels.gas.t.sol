// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {Vm} from "forge-std/Vm.sol";
import {PaymentChannelsBase} from "./PaymentChannelsBase.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";

/**
 * @dev Gas of each operation as a full transaction. Run with `--isolate` so every top-level call is its own
 * transaction (cold storage, 21k intrinsic and calldata included, refunds applied):
 *   forge test --isolate --match-path test/PaymentChannels.gas.t.sol -vv
 * The token is an OZ ERC20 + ERC20Permit + ERC20Votes mock (what BandwidthToken is); the payee already
 * holds tokens; allowances are unlimited.
 */
contract PaymentChannelsGasTest is PaymentChannelsBase {
    function setUp() public override {
        super.setUp();
        rbt.mint(payee, 1e18); // a payee that already holds tokens
        // The contract already holds tokens (not the first channel ever).
        _open(1e18);
    }

    /// @dev Transaction gas as a receipt reports it: total minus the refund, capped at a fifth (EIP-3529).
    function _gas(string memory op) internal view returns (uint256 used) {
        Vm.Gas memory g = vm.lastCallGas();
        uint256 refund = uint256(uint64(g.gasRefunded));
        if (refund > g.gasTotalUsed / 5) refund = g.gasTotalUsed / 5;
        used = g.gasTotalUsed - refund;
        console.log(op, used, g.gasTotalUsed, uint256(uint64(g.gasRefunded)));
    }

    function test_gas_all() public {
        address payer2 = makeAddr("payer2");
        rbt.mint(payer2, 100e18);
        vm.prank(payer2);
        rbt.approve(address(pc), type(uint256).max);

        vm.prank(payer2);
        bytes32 first = pc.open(payee, 10e18);
        _gas("openChannel (payer's first channel)");

        vm.prank(payer);
        bytes32 id = pc.open(payee, 10e18);
        _gas("openChannel");

        vm.prank(payer);
        pc.topUp(id, 10e18);
        _gas("topUp");

        PaymentChannels.Voucher memory v = _voucher(id, 1e18);
        bytes memory sig = _signVoucher(payerKey, v);
        vm.prank(payee);
        pc.redeem(v, sig);
        _gas("redeem");

        v = _voucher(id, 2e18);
        sig = _signVoucher(payerKey, v);
        vm.prank(payee);
        pc.redeem(v, sig);
        _gas("redeem (second on channel)");

        bytes32 seed = keccak256("seed");
        v = PaymentChannels.Voucher(id, 3e18, _chain(seed, 256), 1e12);
        sig = _signVoucher(payerKey, v);
        vm.prank(payee);
        pc.redeemWithTicks(v, sig, seed, 256);
        _gas("redeemWithTicks (256 ticks)");

        bytes memory consent = _sign(payeeKey, pc.closeDigest(id, 5e18));
        vm.prank(payer);
        pc.cooperativeClose(id, 5e18, consent);
        _gas("cooperativeClose");

        vm.prank(payer2);
        pc.startClose(first);
        _gas("startClose");
    }

    function test_gas_settle() public {
        bytes32 id = _open(10e18);
        PaymentChannels.Voucher memory v = _voucher(id, 1e18);
        bytes memory sig = _signVoucher(payerKey, v);
        pc.redeem(v, sig);
        vm.prank(payer);
        pc.startClose(id);
        vm.warp(block.timestamp + PERIOD);
        pc.settle(id);
        _gas("settle");
    }

    function test_gas_batch50() public {
        uint256 n = 50;
        PaymentChannels.Redemption[] memory rs = new PaymentChannels.Redemption[](n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 id = _open(10e18);
            PaymentChannels.Voucher memory v = _voucher(id, 1e18);
            rs[i] = PaymentChannels.Redemption(v, _signVoucher(payerKey, v), bytes32(0), 0);
        }
        vm.prank(payee);
        pc.redeemBatch(rs);
        uint256 total = _gas("redeemBatch (50 channels)");
        console.log("redeemBatchPerChannel50", total / n);
    }
}
