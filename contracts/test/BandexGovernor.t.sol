// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {BandexGovernor} from "../src/BandexGovernor.sol";
import {BandexTimelock} from "../src/BandexTimelock.sol";
import {BandwidthToken} from "../src/BandwidthToken.sol";
import {BondingCurve} from "../src/BondingCurve.sol";
import {TestDollar} from "../src/TestDollar.sol";
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

/// @notice The deployment wiring exactly as the TypeScript deployer runs it, standalone:
/// Timelock(minDelay, proposers = [], executors = [address(0)], admin = deployer) → Governor(token,
/// timelock, votingDelay, votingPeriod, proposalThreshold, quorumPercent) → grant PROPOSER_ROLE and
/// CANCELLER_ROLE to the governor → the deployer renounces DEFAULT_ADMIN_ROLE. Then a full proposal
/// that changes a bonding-curve parameter (the IH step), and a check that no EOA admin remains.
contract BandexGovernorWiringTest is Test {
    address internal deployer = address(0xD3);
    address internal voter = address(0x707E);
    address internal minnow = address(0x5A11);

    TestDollar internal dollar;
    BandexTimelock internal timelock;
    BondingCurve internal curve;
    BandwidthToken internal token;
    BandexGovernor internal governor;

    uint256 internal constant MIN_DELAY = 10; // devnet: seconds
    uint48 internal constant VOTING_DELAY = 2;
    uint32 internal constant VOTING_PERIOD = 30;
    uint256 internal constant PROPOSAL_THRESHOLD = 100e18;
    uint256 internal constant QUORUM_PERCENT = 4;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.startPrank(deployer);
        dollar = new TestDollar();
        address[] memory proposers = new address[](0);
        address[] memory executors = new address[](1);
        executors[0] = address(0);
        timelock = new BandexTimelock(MIN_DELAY, proposers, executors, deployer);
        curve = new BondingCurve(
            IERC20(address(dollar)),
            address(timelock),
            address(timelock),
            5_000e6,
            1_000_000e18,
            500_000,
            100_000,
            900_000,
            20_000,
            1 hours
        );
        token = curve.token();
        governor = new BandexGovernor(
            IVotes(address(token)), timelock, VOTING_DELAY, VOTING_PERIOD, PROPOSAL_THRESHOLD, QUORUM_PERCENT
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), deployer);
        vm.stopPrank();

        _buyVotes(voter, 10_000e6);
        _buyVotes(minnow, 1e6); // under 100 RBT: below the proposal threshold
        vm.warp(block.timestamp + 1);
    }

    function _buyVotes(address who, uint256 dollars) internal {
        vm.startPrank(who);
        dollar.faucet();
        dollar.approve(address(curve), dollars);
        curve.buy(dollars, 0);
        token.delegate(who);
        vm.stopPrank();
    }

    function _proposal()
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas, string memory text)
    {
        targets = new address[](1);
        targets[0] = address(curve);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        calldatas[0] = abi.encodeCall(BondingCurve.setMaxStep, (5_000));
        text = "IH: slow the ratio step to 0.5 points per epoch";
    }

    function test_wiringLeavesNoExternallyOwnedAdmin() public view {
        bytes32 admin = timelock.DEFAULT_ADMIN_ROLE();
        assertFalse(timelock.hasRole(admin, deployer), "deployer renounced");
        assertTrue(timelock.hasRole(admin, address(timelock)), "only the timelock administers itself");
        assertFalse(timelock.hasRole(admin, address(governor)));
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), address(governor)));
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), address(governor)));
        assertFalse(timelock.hasRole(timelock.PROPOSER_ROLE(), deployer));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0)), "anyone executes ready operations");
        assertEq(curve.governance(), address(timelock));
        assertEq(governor.timelock(), address(timelock));
        assertEq(address(governor.token()), address(token));
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.votingPeriod(), VOTING_PERIOD);
        assertEq(governor.proposalThreshold(), PROPOSAL_THRESHOLD);
        assertEq(governor.quorumNumerator(), QUORUM_PERCENT);
        assertEq(governor.CLOCK_MODE(), "mode=timestamp");
        assertEq(governor.clock(), block.timestamp);
        assertEq(timelock.getMinDelay(), MIN_DELAY);
    }

    function test_fullProposalChangesCurveParameter() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas, string memory text) = _proposal();
        bytes32 descriptionHash = keccak256(bytes(text));
        vm.prank(voter);
        uint256 id = governor.propose(targets, values, calldatas, text);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Pending));
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Active));
        vm.prank(voter);
        governor.castVote(id, 1); // for
        vm.prank(minnow);
        governor.castVote(id, 0); // against
        vm.warp(block.timestamp + VOTING_PERIOD + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Succeeded));
        governor.queue(targets, values, calldatas, descriptionHash);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Queued));
        // Not before the timelock's delay.
        vm.expectRevert();
        governor.execute(targets, values, calldatas, descriptionHash);
        vm.warp(block.timestamp + MIN_DELAY);
        governor.execute(targets, values, calldatas, descriptionHash); // anyone may execute
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Executed));
        (,, uint256 step,,,) = curve.parameters();
        assertEq(step, 5_000);
    }

    function test_belowThresholdCannotPropose() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas, string memory text) = _proposal();
        uint256 votes = governor.getVotes(minnow, block.timestamp - 1);
        assertLt(votes, PROPOSAL_THRESHOLD);
        vm.prank(minnow);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, minnow, votes, PROPOSAL_THRESHOLD
            )
        );
        governor.propose(targets, values, calldatas, text);
    }

    function test_proposalWithoutQuorumIsDefeated() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas, string memory text) = _proposal();
        vm.prank(voter);
        uint256 id = governor.propose(targets, values, calldatas, text);
        vm.warp(block.timestamp + VOTING_DELAY + 1);
        vm.prank(minnow);
        governor.castVote(id, 1); // far below 4 % of the supply
        vm.warp(block.timestamp + VOTING_PERIOD + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Defeated));
    }

    function test_nobodyBypassesTheTimelock() public {
        vm.prank(deployer);
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.NotGovernance.selector, deployer));
        curve.setMaxStep(1);
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        bytes32 adminRole = timelock.DEFAULT_ADMIN_ROLE();
        vm.prank(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, deployer, proposerRole)
        );
        timelock.schedule(address(curve), 0, "", bytes32(0), bytes32(0), MIN_DELAY);
        vm.prank(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, deployer, adminRole)
        );
        timelock.grantRole(proposerRole, deployer);
        // The governor cannot bypass the timelock either: the curve only obeys the timelock.
        vm.prank(address(governor));
        vm.expectRevert(abi.encodeWithSelector(BondingCurve.NotGovernance.selector, address(governor)));
        curve.setMaxStep(1);
    }
}
