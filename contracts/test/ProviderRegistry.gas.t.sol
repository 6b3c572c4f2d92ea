// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {Vm} from "forge-std/Vm.sol";
import {Test} from "forge-std/Test.sol";
import {ProviderRegistry} from "../src/ProviderRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

/// @dev Full-transaction gas of registerProvider, slash (quorum 3) and slashEquivocation. Run with --isolate.
contract ProviderRegistryGasTest is Test {
    function _gas(string memory op) internal view {
        Vm.Gas memory g = vm.lastCallGas();
        uint256 refund = uint256(uint64(g.gasRefunded));
        if (refund > g.gasTotalUsed / 5) refund = g.gasTotalUsed / 5;
        console.log(op, g.gasTotalUsed - refund);
    }

    function test_gas_registry() public {
        MockRBT rbt = new MockRBT();
        address sink = makeAddr("sink");
        rbt.mint(sink, 1); // the curve already holds tokens
        ProviderRegistry reg =
            new ProviderRegistry(IERC20(address(rbt)), makeAddr("gov"), sink, 100e18, 50e18, 7 days, 3, 1_000, 5_000);
        uint256[3] memory keys = [uint256(0xD1), 0xD2, 0xD3];
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (vm.addr(keys[j]) < vm.addr(keys[i])) (keys[i], keys[j]) = (keys[j], keys[i]);
            }
        }
        for (uint256 i = 0; i < 3; ++i) {
            address a = vm.addr(keys[i]);
            rbt.mint(a, 100e18);
            vm.prank(a);
            rbt.approve(address(reg), type(uint256).max);
            vm.prank(a);
            reg.registerAuditor(50e18);
        }
        uint256 pk = 0xBEEF;
        address p = vm.addr(pk);
        rbt.mint(p, 1_000e18);
        vm.prank(p);
        rbt.approve(address(reg), type(uint256).max);
        // A 38-byte Ed25519 libp2p peer id and a short metadata URL.
        bytes memory peerId = hex"002408011220a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
        vm.prank(p);
        reg.registerProvider(peerId, 1e18, "EU", 12_500_000, "https://p.example/offer.json", 100e18);
        _gas("registerProvider");

        ProviderRegistry.Report memory r = ProviderRegistry.Report(p, 1, 1, keccak256("e"));
        bytes32 digest = reg.reportDigest(r);
        bytes[] memory sigs = new bytes[](3);
        for (uint256 i = 0; i < 3; ++i) {
            (uint8 v, bytes32 rr, bytes32 s) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(rr, s, v);
        }
        reg.slash(r, sigs);
        _gas("slash (quorum 3)");

        address auditor = vm.addr(keys[0]);
        vm.prank(auditor);
        reg.anchorReports(1, keccak256("reports of epoch 1"), 40);
        _gas("anchorReports (first in a 256-epoch word)");
        vm.prank(auditor);
        reg.anchorReports(2, keccak256("reports of epoch 2"), 40);
        _gas("anchorReports (next epoch)");

        _equivocate(reg, pk);
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _equivocate(ProviderRegistry reg, uint256 pk) internal {
        ProviderRegistry.Receipt memory a = ProviderRegistry.Receipt(bytes32("s"), 0, 1, 1, 1, 1, 2);
        ProviderRegistry.Receipt memory b = ProviderRegistry.Receipt(bytes32("s"), 0, 1, 1, 2, 1, 2);
        bytes memory sa = _sig(pk, reg.receiptDigest(a));
        bytes memory sb = _sig(pk, reg.receiptDigest(b));
        reg.slashEquivocation(vm.addr(pk), a, sa, b, sb);
        _gas("slashEquivocation");
    }
}
