// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ProviderRegistry} from "../src/ProviderRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

contract ProviderRegistryTest is Test {
    MockRBT internal rbt;
    ProviderRegistry internal reg;
    address internal governance = makeAddr("governance");
    address internal sink = makeAddr("burnSink");
    uint256 internal constant MIN = 100e18;
    uint256 internal constant AMIN = 50e18;
    uint256 internal constant DELAY = 7 days;
    uint256 internal constant COMMITTEE = 5;
    uint256 internal constant QUORUM_BPS = 6_666; // 4 of 5, 2 of 3
    uint256 internal constant EPOCH_LEN = 1 hours;
    uint256 internal constant WINDOW = 1 hours;
    /// @dev Auditors register in this epoch; their weight counts from START + 2.
    uint64 internal constant START = 1_000;
    uint256 internal constant SLASH = 1_000; // 10 %
    uint256 internal constant BURN = 5_000; // half burned

    uint256 internal providerKey = 0xBEEF;
    address internal provider;
    uint256[] internal auditorKeys;
    address[] internal auditors; // sorted by address

    function _config() internal pure returns (ProviderRegistry.Config memory) {
        return ProviderRegistry.Config(MIN, AMIN, DELAY, COMMITTEE, QUORUM_BPS, SLASH, BURN, EPOCH_LEN, WINDOW);
    }

    function setUp() public {
        vm.warp(START * EPOCH_LEN);
        rbt = new MockRBT();
        reg = new ProviderRegistry(IERC20(address(rbt)), governance, sink, _config());
        provider = vm.addr(providerKey);
        _fund(provider, 1_000e18);
        // Five auditors, sorted by address.
        for (uint256 i = 1; i <= 5; ++i) {
            auditorKeys.push(0xA000 + i);
        }
        for (uint256 i = 0; i < 5; ++i) {
            for (uint256 j = i + 1; j < 5; ++j) {
                if (vm.addr(auditorKeys[j]) < vm.addr(auditorKeys[i])) {
                    (auditorKeys[i], auditorKeys[j]) = (auditorKeys[j], auditorKeys[i]);
                }
            }
        }
        for (uint256 i = 0; i < 5; ++i) {
            address a = vm.addr(auditorKeys[i]);
            auditors.push(a);
            _fund(a, 1_000e18);
            vm.prank(a);
            reg.registerAuditor(AMIN);
        }
    }

    function _fund(address who, uint256 amount) internal {
        rbt.mint(who, amount);
        vm.prank(who);
        rbt.approve(address(reg), type(uint256).max);
    }

    function _register(address who, uint256 stake) internal {
        vm.prank(who);
        reg.registerProvider(hex"0024080112", 1e18, "EU", 12_500_000, "https://example.org", stake);
    }

    function _receipt(bytes32 session, uint256 amount) internal pure returns (ProviderRegistry.Receipt memory) {
        return ProviderRegistry.Receipt(session, bytes32(uint256(1)), 1000, 2000, amount, 100, 200);
    }

    function _signReceipt(uint256 key, ProviderRegistry.Receipt memory r) internal view returns (bytes memory) {
        (uint8 v, bytes32 rr, bytes32 s) = vm.sign(key, reg.receiptDigest(r));
        return abi.encodePacked(rr, s, v);
    }

    // ───────────────────────────── constructor / domain ─────────────────────────────

    function test_constructor() public view {
        assertEq(reg.minStake(), MIN);
        assertEq(reg.auditorMinStake(), AMIN);
        assertEq(reg.unbondingDelay(), DELAY);
        assertEq(reg.committeeSize(), COMMITTEE);
        assertEq(reg.quorumBps(), QUORUM_BPS);
        assertEq(reg.epochLength(), EPOCH_LEN);
        assertEq(reg.disputeWindow(), WINDOW);
        assertEq(reg.currentEpoch(), START);
        assertEq(reg.slashBps(), SLASH);
        assertEq(reg.slashBurnBps(), BURN);
        assertEq(reg.burnSink(), sink);
        assertEq(reg.governance(), governance);
        assertEq(address(reg.token()), address(rbt));
        assertEq(reg.auditorCount(), 5);
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Bandex Registry"),
                keccak256("1"),
                block.chainid,
                address(reg)
            )
        );
        assertEq(reg.domainSeparator(), expected);
        assertEq(reg.REPORT_TYPEHASH(), keccak256("Report(address provider,uint64 epoch,uint8 kind,bytes32 evidence)"));
    }

    function test_constructor_reverts() public {
        IERC20 t = IERC20(address(rbt));
        ProviderRegistry.Config memory c = _config();
        vm.expectRevert(ProviderRegistry.ZeroAddress.selector);
        new ProviderRegistry(IERC20(address(0)), governance, sink, c);
        vm.expectRevert(ProviderRegistry.ZeroAddress.selector);
        new ProviderRegistry(t, address(0), sink, c);
        vm.expectRevert(ProviderRegistry.ZeroAddress.selector);
        new ProviderRegistry(t, governance, address(0), c);
        c.minStake = 1;
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 1, 1e18, 1_000_000e18));
        new ProviderRegistry(t, governance, sink, c);
        c = _config();
        c.committeeSize = 1;
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 1, 2, 32));
        new ProviderRegistry(t, governance, sink, c);
        c = _config();
        c.quorumBps = 5_000;
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 5_000, 5_001, 10_000));
        new ProviderRegistry(t, governance, sink, c);
        c = _config();
        c.epochLength = 0;
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 0, 1, 7 days));
        new ProviderRegistry(t, governance, sink, c);
        c = _config();
        c.disputeWindow = EPOCH_LEN - 1;
        vm.expectRevert(
            abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, EPOCH_LEN - 1, EPOCH_LEN, 30 days)
        );
        new ProviderRegistry(t, governance, sink, c);
    }

    // ───────────────────────────── providers ─────────────────────────────

    function test_registerProvider() public {
        vm.expectEmit(address(reg));
        emit ProviderRegistry.ProviderRegistered(
            provider, hex"0024080112", 1e18, "EU", 12_500_000, "https://example.org", MIN
        );
        _register(provider, MIN);
        assertEq(reg.stakeOf(provider), MIN);
        assertEq(rbt.balanceOf(address(reg)), MIN + 5 * AMIN);
        ProviderRegistry.Provider memory p = reg.getProvider(provider);
        assertEq(p.peerId, hex"0024080112");
        assertEq(p.priceWeiPerGiB, 1e18);
        assertEq(p.region, bytes2("EU"));
        assertEq(p.capacityBytesPerSec, 12_500_000);
        assertEq(p.metadata, "https://example.org");
        assertEq(reg.providerCount(), 1);
        assertEq(reg.providerAt(0), provider);
        assertTrue(reg.isProvider(provider));
        assertTrue(reg.isActiveProvider(provider));
    }

    function test_registerProvider_reverts() public {
        vm.startPrank(provider);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.InsufficientStake.selector, provider, MIN - 1, MIN));
        reg.registerProvider(hex"01", 1, "EU", 1, "", MIN - 1);
        vm.expectRevert(ProviderRegistry.EmptyPeerId.selector);
        reg.registerProvider("", 1, "EU", 1, "", MIN);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.PeerIdTooLong.selector, 129, 128));
        reg.registerProvider(new bytes(129), 1, "EU", 1, "", MIN);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.MetadataTooLong.selector, 1025, 1024));
        reg.registerProvider(hex"01", 1, "EU", 1, string(new bytes(1025)), MIN);
        reg.registerProvider(hex"01", 1, "EU", 1, "", MIN);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.AlreadyRegistered.selector, provider));
        reg.registerProvider(hex"01", 1, "EU", 1, "", MIN);
        vm.stopPrank();
    }

    function test_updateProvider() public {
        _register(provider, MIN);
        // Not in the epoch of the registration: one offer change per epoch.
        uint64 epoch = reg.currentEpoch();
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.OfferUpdateTooSoon.selector, provider, epoch + 1));
        vm.prank(provider);
        reg.updateProvider(hex"02", 2e18, "US", 1, "m");
        vm.warp(block.timestamp + reg.epochLength());
        vm.prank(provider);
        reg.updateProvider(hex"02", 2e18, "US", 1, "m");
        // A bait and switch back within the same epoch is refused.
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.OfferUpdateTooSoon.selector, provider, epoch + 2));
        vm.prank(provider);
        reg.updateProvider(hex"02", 1e18, "US", 1, "m");
        ProviderRegistry.Provider memory p = reg.getProvider(provider);
        assertEq(p.peerId, hex"02");
        assertEq(p.priceWeiPerGiB, 2e18);
        assertEq(p.region, bytes2("US"));
        assertEq(p.bonded, MIN);
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotRegistered.selector, stranger));
        vm.prank(stranger);
        reg.updateProvider(hex"02", 2e18, "US", 1, "m");
    }

    function test_addStake_unbond_withdraw() public {
        _register(provider, MIN);
        vm.startPrank(provider);
        reg.addStake(50e18);
        assertEq(reg.stakeOf(provider), 150e18);
        vm.expectRevert(ProviderRegistry.ZeroAmount.selector);
        reg.addStake(0);
        // Leaving 99 bonded is below the minimum.
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.InsufficientStake.selector, provider, 99e18, MIN));
        reg.unbond(51e18);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.InsufficientBonded.selector, provider, 150e18, 151e18));
        reg.unbond(151e18);
        vm.expectRevert(ProviderRegistry.ZeroAmount.selector);
        reg.unbond(0);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NothingToWithdraw.selector, provider));
        reg.withdraw();
        reg.unbond(50e18);
        assertEq(reg.stakeOf(provider), 150e18); // unbonding stays slashable
        vm.expectRevert(
            abi.encodeWithSelector(
                ProviderRegistry.UnbondingNotReady.selector, provider, block.timestamp + DELAY, block.timestamp
            )
        );
        reg.withdraw();
        vm.warp(block.timestamp + DELAY);
        uint256 before = rbt.balanceOf(provider);
        reg.withdraw();
        assertEq(rbt.balanceOf(provider), before + 50e18);
        assertEq(reg.stakeOf(provider), MIN);
        assertTrue(reg.isProvider(provider));
        // Leave entirely: the record is removed.
        reg.unbond(MIN);
        vm.warp(block.timestamp + DELAY);
        reg.withdraw();
        vm.stopPrank();
        assertFalse(reg.isProvider(provider));
        assertEq(reg.providerCount(), 0);
        assertEq(reg.stakeOf(provider), 0);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotRegistered.selector, provider));
        vm.prank(provider);
        reg.withdraw();
    }

    function test_notRegistered_reverts() public {
        vm.startPrank(provider);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotRegistered.selector, provider));
        reg.addStake(1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotRegistered.selector, provider));
        reg.unbond(1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotRegistered.selector, provider));
        reg.addAuditorStake(1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotRegistered.selector, provider));
        reg.unbondAuditor(1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotRegistered.selector, provider));
        reg.withdrawAuditor();
        vm.stopPrank();
    }

    function test_enumeration() public {
        address[] memory ps = new address[](4);
        for (uint256 i = 0; i < 4; ++i) {
            ps[i] = makeAddr(string(abi.encode(i)));
            _fund(ps[i], MIN);
            _register(ps[i], MIN);
        }
        assertEq(reg.providerCount(), 4);
        address[] memory page = reg.providers(1, 2);
        assertEq(page.length, 2);
        assertEq(page[0], ps[1]);
        assertEq(page[1], ps[2]);
        assertEq(reg.providers(3, 10).length, 1);
        assertEq(reg.providers(4, 10).length, 0);
        // Removing the first moves the last into its place.
        vm.startPrank(ps[0]);
        reg.unbond(MIN);
        vm.warp(block.timestamp + DELAY);
        reg.withdraw();
        vm.stopPrank();
        assertEq(reg.providerCount(), 3);
        assertEq(reg.providerAt(0), ps[3]);
    }

    function test_minStakeRaise_deactivates_andPageCap() public {
        _register(provider, MIN);
        vm.prank(governance);
        reg.setMinStake(MIN + 1);
        assertTrue(reg.isProvider(provider));
        assertFalse(reg.isActiveProvider(provider));
        assertEq(reg.providers(0, type(uint256).max).length, 1);
        vm.warp(block.timestamp + reg.epochLength());
        vm.expectRevert(ProviderRegistry.EmptyPeerId.selector);
        vm.prank(provider);
        reg.updateProvider("", 1, "EU", 1, "");
    }

    // ───────────────────────────── auditors ─────────────────────────────

    function test_auditor_lifecycle() public {
        address a = makeAddr("newAuditor");
        _fund(a, 200e18);
        vm.startPrank(a);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.InsufficientStake.selector, a, AMIN - 1, AMIN));
        reg.registerAuditor(AMIN - 1);
        reg.registerAuditor(AMIN);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.AlreadyRegistered.selector, a));
        reg.registerAuditor(AMIN);
        assertTrue(reg.isAuditor(a));
        // The registration's weight is not active yet: one weight change at a time.
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.WeightChangePending.selector, a, START + 2));
        reg.addAuditorStake(10e18);
        vm.warp((START + 2) * EPOCH_LEN);
        reg.addAuditorStake(10e18);
        vm.expectRevert(ProviderRegistry.ZeroAmount.selector);
        reg.addAuditorStake(0);
        assertEq(reg.auditorStakeOf(a), 60e18);
        assertEq(reg.weightOf(a, START + 3), AMIN);
        assertEq(reg.weightOf(a, START + 4), 60e18);
        vm.warp((START + 4) * EPOCH_LEN);
        reg.unbondAuditor(60e18);
        assertEq(reg.weightOf(a, START + 5), 60e18, "weight drops two epochs after unbonding");
        assertEq(reg.weightOf(a, START + 6), 0);
        assertEq(reg.auditorStakeOf(a), 60e18);
        vm.expectRevert(
            abi.encodeWithSelector(
                ProviderRegistry.UnbondingNotReady.selector, a, block.timestamp + DELAY, block.timestamp
            )
        );
        reg.withdrawAuditor();
        vm.warp(block.timestamp + DELAY);
        reg.withdrawAuditor();
        vm.stopPrank();
        assertFalse(reg.isAuditor(a));
        assertEq(reg.auditorCount(), 5);
        assertEq(rbt.balanceOf(a), 200e18);
    }

    // ───────────────────────────── equivocation ─────────────────────────────

    function test_slashEquivocation() public {
        _register(provider, 100e18);
        bytes32 session = keccak256("session");
        ProviderRegistry.Receipt memory a = _receipt(session, 1e18);
        ProviderRegistry.Receipt memory b = _receipt(session, 2e18);
        bytes memory sa = _signReceipt(providerKey, a);
        bytes memory sb = _signReceipt(providerKey, b);
        address reporter = makeAddr("reporter");
        vm.expectEmit(address(reg));
        emit ProviderRegistry.EquivocationSlashed(provider, session, reporter);
        vm.prank(reporter);
        reg.slashEquivocation(provider, a, sa, b, sb);
        assertEq(reg.stakeOf(provider), 90e18);
        assertEq(rbt.balanceOf(reporter), 5e18);
        assertEq(rbt.balanceOf(sink), 5e18);
        assertTrue(reg.isEquivocationSlashed(provider, session));
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.EquivocationAlreadySlashed.selector, provider, session));
        reg.slashEquivocation(provider, a, sa, b, sb);
    }

    function test_slashEquivocation_reverts() public {
        _register(provider, 100e18);
        bytes32 session = keccak256("session");
        ProviderRegistry.Receipt memory a = _receipt(session, 1e18);
        ProviderRegistry.Receipt memory b = _receipt(session, 2e18);
        bytes memory sa = _signReceipt(providerKey, a);
        bytes memory sb = _signReceipt(providerKey, b);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotEquivocation.selector, session));
        reg.slashEquivocation(provider, a, sa, a, sa);
        ProviderRegistry.Receipt memory c = _receipt(keccak256("other"), 1e18);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.SessionMismatch.selector, session, c.sessionId));
        reg.slashEquivocation(provider, a, sa, c, sb);
        uint256 otherKey = 0x5EED;
        bytes memory forged = _signReceipt(otherKey, b);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderRegistry.NotSignedByProvider.selector, vm.addr(otherKey), provider)
        );
        reg.slashEquivocation(provider, a, sa, b, forged);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotSignedByProvider.selector, address(0), provider));
        reg.slashEquivocation(provider, a, sa, b, hex"00");
        // Not a provider: nothing to slash.
        address nobody = vm.addr(otherKey);
        bytes memory na = _signReceipt(otherKey, a);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NothingToSlash.selector, nobody));
        reg.slashEquivocation(nobody, a, na, b, forged);
    }

    // ───────────────────────────── governance ─────────────────────────────

    function test_governance_setters() public {
        vm.startPrank(governance);
        reg.setMinStake(1e18);
        reg.setAuditorMinStake(1_000_000e18);
        reg.setUnbondingDelay(90 days);
        reg.setCommitteeSize(32);
        reg.setQuorumBps(10_000);
        reg.setDisputeWindow(30 days);
        reg.setSlashBps(5_000);
        reg.setSlashBurnBps(0);
        assertEq(reg.minStake(), 1e18);
        assertEq(reg.auditorMinStake(), 1_000_000e18);
        assertEq(reg.unbondingDelay(), 90 days);
        assertEq(reg.committeeSize(), 32);
        assertEq(reg.quorumBps(), 10_000);
        assertEq(reg.disputeWindow(), 30 days);
        assertEq(reg.slashBps(), 5_000);
        assertEq(reg.slashBurnBps(), 0);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 1e18 - 1, 1e18, 1_000_000e18)
        );
        reg.setMinStake(1e18 - 1);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 1_000_001e18, 1e18, 1_000_000e18)
        );
        reg.setAuditorMinStake(1_000_001e18);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 1 days - 1, 1 days, 90 days)
        );
        reg.setUnbondingDelay(1 days - 1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 33, 2, 32));
        reg.setCommitteeSize(33);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 10_001, 5_001, 10_000));
        reg.setQuorumBps(10_001);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 99, 100, 5_000));
        reg.setSlashBps(99);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ParameterOutOfBounds.selector, 10_001, 0, 10_000));
        reg.setSlashBurnBps(10_001);
        vm.stopPrank();
        address s = makeAddr("stranger");
        vm.startPrank(s);
        bytes memory err = abi.encodeWithSelector(ProviderRegistry.NotGovernance.selector, s);
        vm.expectRevert(err);
        reg.setMinStake(1e18);
        vm.expectRevert(err);
        reg.setAuditorMinStake(1e18);
        vm.expectRevert(err);
        reg.setUnbondingDelay(1 days);
        vm.expectRevert(err);
        reg.setCommitteeSize(2);
        vm.expectRevert(err);
        reg.setQuorumBps(6_000);
        vm.expectRevert(err);
        reg.setDisputeWindow(1 days);
        vm.expectRevert(err);
        reg.setSlashBps(100);
        vm.expectRevert(err);
        reg.setSlashBurnBps(0);
        vm.stopPrank();
    }

    // ───────────────────────────── fuzz ─────────────────────────────

    function testFuzz_unbondKeepsMinimumOrZero(uint256 stake, uint256 amount) public {
        stake = bound(stake, MIN, 1_000e18);
        amount = bound(amount, 1, stake);
        _register(provider, stake);
        vm.prank(provider);
        if (stake - amount != 0 && stake - amount < MIN) {
            vm.expectRevert(
                abi.encodeWithSelector(ProviderRegistry.InsufficientStake.selector, provider, stake - amount, MIN)
            );
            reg.unbond(amount);
        } else {
            reg.unbond(amount);
            assertEq(reg.getProvider(provider).bonded, stake - amount);
            assertEq(reg.stakeOf(provider), stake);
        }
    }

    // ─────────────────────────────────────────────── report anchors ──────────────────────────────

    event ReportsAnchored(address indexed auditor, uint64 indexed epoch, bytes32 digest, uint32 count);

    function test_anchorReports_emitsAndMarks() public {
        address a = auditors[0];
        assertFalse(reg.isAnchored(a, 7));
        vm.expectEmit(address(reg));
        emit ReportsAnchored(a, 7, keccak256("reports"), 12);
        vm.prank(a);
        reg.anchorReports(7, keccak256("reports"), 12);
        assertTrue(reg.isAnchored(a, 7));
        // Neighbouring epochs and other auditors are untouched.
        assertFalse(reg.isAnchored(a, 6));
        assertFalse(reg.isAnchored(a, 8));
        assertFalse(reg.isAnchored(auditors[1], 7));
    }

    function test_anchorReports_replayRejected() public {
        address a = auditors[0];
        vm.prank(a);
        reg.anchorReports(7, keccak256("reports"), 12);
        // Same epoch, even with another digest: rejected.
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.AlreadyAnchored.selector, a, uint64(7)));
        vm.prank(a);
        reg.anchorReports(7, keccak256("other"), 13);
        // Another auditor, same epoch: fine.
        vm.prank(auditors[1]);
        reg.anchorReports(7, keccak256("reports"), 12);
    }

    function test_anchorReports_unstakedCallerRejected() public {
        address outsider = makeAddr("outsider");
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotStakedAuditor.selector, outsider, 0, AMIN));
        vm.prank(outsider);
        reg.anchorReports(1, keccak256("x"), 1);
        // A provider is not an auditor.
        _register(provider, MIN);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotStakedAuditor.selector, provider, 0, AMIN));
        vm.prank(provider);
        reg.anchorReports(1, keccak256("x"), 1);
    }

    function test_anchorReports_unbondingAuditorRejected() public {
        address a = auditors[2];
        vm.warp((START + 2) * EPOCH_LEN); // the registration's weight change is in force
        vm.prank(a);
        reg.unbondAuditor(AMIN); // bonded 0, unbonding AMIN: still registered, no longer staked
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotStakedAuditor.selector, a, 0, AMIN));
        vm.prank(a);
        reg.anchorReports(1, keccak256("x"), 1);
    }

    function test_anchorReports_raisedMinimumRejects() public {
        vm.prank(governance);
        reg.setAuditorMinStake(AMIN + 1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotStakedAuditor.selector, auditors[0], AMIN, AMIN + 1));
        vm.prank(auditors[0]);
        reg.anchorReports(1, keccak256("x"), 1);
    }

    function test_anchorReports_unfinishedEpochRejected() public {
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.EpochOutOfWindow.selector, START, START));
        vm.prank(auditors[0]);
        reg.anchorReports(START, keccak256("x"), 1);
    }

    function testFuzz_anchorReports_oncePerEpoch(uint64 e1, uint64 e2) public {
        e1 = uint64(bound(e1, 0, START - 1));
        e2 = uint64(bound(e2, 0, START - 1));
        address a = auditors[3];
        vm.prank(a);
        reg.anchorReports(e1, bytes32(uint256(e1)), 1);
        assertTrue(reg.isAnchored(a, e1));
        assertEq(reg.isAnchored(a, e2), e1 == e2);
        if (e1 == e2) vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.AlreadyAnchored.selector, a, e2));
        vm.prank(a);
        reg.anchorReports(e2, bytes32(uint256(e2)), 2);
        assertTrue(reg.isAnchored(a, e2));
    }
}
