// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ProviderRegistry} from "../src/ProviderRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

/// @dev Random staking, unbonding, withdrawals and slashes (equivocation and auditor reports).
contract RegistryHandler is Test {
    ProviderRegistry internal reg;
    MockRBT internal rbt;
    uint256[4] public providerKeys = [uint256(0xC1), 0xC2, 0xC3, 0xC4];
    uint256[] internal auditorKeys; // sorted by address
    uint256 public ghostIn;
    uint256 public ghostOut;
    uint64 internal epoch;

    constructor(ProviderRegistry reg_, MockRBT rbt_) {
        reg = reg_;
        rbt = rbt_;
        for (uint256 i = 0; i < 4; ++i) {
            _fund(vm.addr(providerKeys[i]));
        }
        uint256[3] memory keys = [uint256(0xD1), 0xD2, 0xD3];
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (vm.addr(keys[j]) < vm.addr(keys[i])) (keys[i], keys[j]) = (keys[j], keys[i]);
            }
        }
        for (uint256 i = 0; i < 3; ++i) {
            auditorKeys.push(keys[i]);
            _fund(vm.addr(keys[i]));
        }
    }

    function _fund(address who) internal {
        rbt.mint(who, 1e24);
        vm.prank(who);
        rbt.approve(address(reg), type(uint256).max);
    }

    function auditorKey(uint256 i) external view returns (uint256) {
        return auditorKeys[i];
    }

    function register(uint256 seed, uint256 stake) external {
        address p = vm.addr(providerKeys[seed % 4]);
        if (reg.isProvider(p)) return;
        stake = bound(stake, reg.minStake(), 1e21);
        vm.prank(p);
        reg.registerProvider(hex"01", 1, "EU", 1, "", stake);
        ghostIn += stake;
    }

    function addStake(uint256 seed, uint256 amount) external {
        address p = vm.addr(providerKeys[seed % 4]);
        if (!reg.isProvider(p)) return;
        amount = bound(amount, 1, 1e21);
        vm.prank(p);
        reg.addStake(amount);
        ghostIn += amount;
    }

    function unbond(uint256 seed, uint256 amount, bool all) external {
        address p = vm.addr(providerKeys[seed % 4]);
        if (!reg.isProvider(p)) return;
        uint256 bonded = reg.getProvider(p).bonded;
        if (bonded == 0) return;
        if (all) {
            amount = bonded;
        } else {
            if (bonded <= reg.minStake()) return;
            amount = bound(amount, 1, bonded - reg.minStake());
        }
        vm.prank(p);
        reg.unbond(amount);
    }

    function withdraw(uint256 seed) external {
        address p = vm.addr(providerKeys[seed % 4]);
        if (!reg.isProvider(p)) return;
        ProviderRegistry.Provider memory info = reg.getProvider(p);
        if (info.unbonding == 0) return;
        if (block.timestamp < info.unbondingReadyAt) vm.warp(info.unbondingReadyAt);
        vm.prank(p);
        reg.withdraw();
        ghostOut += info.unbonding;
    }

    function registerAuditor(uint256 seed) external {
        uint256 key = auditorKeys[seed % 3];
        address a = vm.addr(key);
        if (reg.isAuditor(a)) return;
        uint256 stake = reg.auditorMinStake();
        vm.prank(a);
        reg.registerAuditor(stake);
        ghostIn += stake;
    }

    function auditorLeave(uint256 seed) external {
        address a = vm.addr(auditorKeys[seed % 3]);
        if (!reg.isAuditor(a)) return;
        ProviderRegistry.Auditor memory info = reg.getAuditor(a);
        // One weight change at a time: wait until the last one is in force.
        if (reg.currentEpoch() < info.weightEpoch) vm.warp(uint256(info.weightEpoch) * reg.epochLength());
        if (info.bonded != 0) {
            vm.prank(a);
            reg.unbondAuditor(info.bonded);
            info = reg.getAuditor(a);
        }
        vm.warp(info.unbondingReadyAt);
        vm.prank(a);
        reg.withdrawAuditor();
        ghostOut += info.unbonding;
    }

    function slashEquivocation(uint256 seed, bytes32 session) external {
        uint256 key = providerKeys[seed % 4];
        address p = vm.addr(key);
        if (reg.stakeOf(p) == 0 || reg.isEquivocationSlashed(p, session)) return;
        ProviderRegistry.Receipt memory a = ProviderRegistry.Receipt(session, 0, 1, 1, 1, 1, 2);
        ProviderRegistry.Receipt memory b = ProviderRegistry.Receipt(session, 0, 1, 1, 2, 1, 2);
        (uint8 va, bytes32 ra, bytes32 sa) = vm.sign(key, reg.receiptDigest(a));
        (uint8 vb, bytes32 rb, bytes32 sb) = vm.sign(key, reg.receiptDigest(b));
        uint256 before = reg.stakeOf(p);
        reg.slashEquivocation(p, a, abi.encodePacked(ra, sa, va), b, abi.encodePacked(rb, sb, vb));
        ghostOut += before - reg.stakeOf(p);
    }

    /// @dev A committee slash: the epoch's seed, every member anchoring, a quorum proposing, the window, finalize.
    function slashReport(uint256 seed) external {
        address p = vm.addr(providerKeys[seed % 4]);
        if (reg.stakeOf(p) == 0) return;
        uint64 e = reg.currentEpoch();
        reg.drawSeed();
        vm.warp((uint256(e) + 1) * reg.epochLength() + 1);
        address[] memory committee = reg.committeeOf(p, e);
        uint256 needed = reg.quorumOf(committee.length);
        if (committee.length < needed) return;
        address[] memory signers = new address[](needed);
        uint256[] memory keys = new uint256[](needed);
        uint256 n;
        for (uint256 i = 0; i < 3 && n < needed; ++i) {
            address a = vm.addr(auditorKeys[i]); // ascending
            for (uint256 j = 0; j < committee.length; ++j) {
                if (committee[j] != a) continue;
                signers[n] = a;
                keys[n++] = auditorKeys[i];
                if (!reg.isAnchored(a, e)) {
                    vm.prank(a);
                    reg.anchorReports(e, bytes32(0), 0);
                }
            }
        }
        ProviderRegistry.Report memory r = ProviderRegistry.Report(p, e, 1, bytes32(0));
        bytes32 digest = reg.reportDigest(r);
        bytes[] memory sigs = new bytes[](needed);
        for (uint256 i = 0; i < needed; ++i) {
            (uint8 v, bytes32 rr, bytes32 s) = vm.sign(keys[i], digest);
            sigs[i] = abi.encodePacked(rr, s, v);
        }
        bytes32 id = reg.proposeSlash(r, sigs);
        vm.warp(block.timestamp + reg.disputeWindow());
        uint256 before = reg.stakeOf(p);
        reg.finalizeSlash(id, signers);
        ghostOut += before - reg.stakeOf(p);
    }
}

contract ProviderRegistryInvariantTest is Test {
    ProviderRegistry internal reg;
    MockRBT internal rbt;
    RegistryHandler internal handler;

    function setUp() public {
        vm.warp(1_000 hours);
        rbt = new MockRBT();
        reg = new ProviderRegistry(
            IERC20(address(rbt)),
            makeAddr("gov"),
            makeAddr("sink"),
            ProviderRegistry.Config(10e18, 5e18, 1 days, 3, 6_666, 1_000, 5_000, 1 hours, 1 hours)
        );
        handler = new RegistryHandler(reg, rbt);
        targetContract(address(handler));
    }

    /// The registry's token balance is exactly the sum of all stakes (bonded + unbonding).
    function invariant_balanceEqualsSumOfStakes() public view {
        uint256 sum;
        for (uint256 i = 0; i < 4; ++i) {
            sum += reg.stakeOf(vm.addr(handler.providerKeys(i)));
        }
        for (uint256 i = 0; i < 3; ++i) {
            sum += reg.auditorStakeOf(vm.addr(handler.auditorKey(i)));
        }
        assertEq(rbt.balanceOf(address(reg)), sum);
    }

    /// Stake accounting never goes negative: what came in minus what left (withdrawn or slashed) is held.
    function invariant_stakeFlowsConserved() public view {
        assertGe(handler.ghostIn(), handler.ghostOut());
        assertEq(rbt.balanceOf(address(reg)), handler.ghostIn() - handler.ghostOut());
    }

    /// Every listed provider is registered and the list has no duplicates or holes.
    function invariant_enumerationConsistent() public view {
        uint256 n = reg.providerCount();
        uint256 registered;
        for (uint256 i = 0; i < 4; ++i) {
            if (reg.isProvider(vm.addr(handler.providerKeys(i)))) registered++;
        }
        assertEq(n, registered);
        address[] memory page = reg.providers(0, 100);
        for (uint256 i = 0; i < page.length; ++i) {
            assertTrue(reg.isProvider(page[i]));
            for (uint256 j = i + 1; j < page.length; ++j) {
                assertTrue(page[i] != page[j]);
            }
        }
    }
}
