// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {BandexTest} from "./utils/BandexTest.sol";

/// @notice The deployment's wiring (as src/chain/deployBandex.ts does it) and a proposal end to end:
/// propose → vote → queue → execute a parameter change through the timelock.
contract BandexGovernorTest is BandexTest {
    address internal voter = address(0x707E);

    function test_noExternallyOwnedAdminRemains() public view {
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)));
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)));
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), address(governor)));
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), address(governor)));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0)), "anyone executes ready operations");
        assertEq(curve.governance(), address(timelock));
        assertEq(registry.governance(), address(timelock));
        assertEq(channels.governance(), address(timelock));
    }

    function test_proposalChangesFeeThroughTimelock() public {
        _fundRbt(voter, 1_000e18);
        vm.prank(voter);
        token.delegate(voter);
        vm.warp(block.timestamp + 1);

        address[] memory targets = _single(address(channels));
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        calldatas[0] = abi.encodeWithSignature("setFeeBps(uint256)", 250);
        string memory description = "Raise the protocol fee to 2.5%";

        vm.prank(voter);
        uint256 id = governor.propose(targets, values, calldatas, description);
        vm.warp(block.timestamp + governor.votingDelay() + 1);
        vm.prank(voter);
        governor.castVote(id, 1);
        vm.warp(block.timestamp + governor.votingPeriod() + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Succeeded));
        governor.queue(targets, values, calldatas, keccak256(bytes(description)));
        vm.warp(block.timestamp + TIMELOCK_DELAY + 1);
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));
        assertEq(channels.feeBps(), 250);
    }

    function test_nobodyBypassesTheTimelock() public {
        vm.expectRevert();
        channels.setFeeBps(10);
        vm.expectRevert();
        timelock.schedule(address(channels), 0, "", bytes32(0), bytes32(0), TIMELOCK_DELAY);
    }
}
