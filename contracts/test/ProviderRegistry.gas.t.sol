// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console} from "forge-std/console.sol";
import {Vm} from "forge-std/Vm.sol";
import {Test} from "forge-std/Test.sol";
import {ProviderRegistry} from "../src/ProviderRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

/// @dev Full-transaction gas of registerProvider, proposeSlash / finalizeSlash / disputeSlash (committee of 3,
/// quorum 2 of 3: the devnet's), drawSeed, anchorReports and slashEquivocation. Run with --isolate.
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
        vm.warp(1_000 hours);
        ProviderRegistry reg = new ProviderRegistry(
            IERC20(address(rbt)),
            makeAddr("gov"),
            sink,
            ProviderRegistry.Config(100e18, 50e18, 7 days, 5, 6_666, 1_000, 9_000, 1 hours, 1 hours)
        );
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

        // Epoch 1,002: the auditors' weights are active; its seed is drawn during it.
        vm.warp(1_002 hours + 1);
        reg.drawSeed();
        _gas("drawSeed (two epochs)");
        vm.warp(1_003 hours + 1);
        uint64 e = 1_002;
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(vm.addr(keys[i]));
            reg.anchorReports(e, keccak256("reports"), 40);
        }
        _gas("anchorReports (first in a 256-epoch word)");
        vm.prank(vm.addr(keys[0]));
        reg.anchorReports(e - 1, keccak256("reports of the epoch before"), 40);
        _gas("anchorReports (next epoch)");
        address[] memory signers = new address[](2);
        signers[0] = vm.addr(keys[0]);
        signers[1] = vm.addr(keys[1]);
        ProviderRegistry.Report memory r = ProviderRegistry.Report(p, e, 1, keccak256("e"));
        bytes[] memory sigs = new bytes[](2);
        sigs[0] = _sig(keys[0], reg.reportDigest(r));
        sigs[1] = _sig(keys[1], reg.reportDigest(r));
        bytes32 id = reg.proposeSlash(r, sigs);
        _gas("proposeSlash (committee 3, quorum 2)");
        vm.warp(block.timestamp + 1 hours);
        reg.finalizeSlash(id, signers);
        _gas("finalizeSlash (2 signers)");

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
