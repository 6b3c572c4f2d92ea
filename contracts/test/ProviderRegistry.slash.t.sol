// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {ProviderRegistry} from "../src/ProviderRegistry.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

/// @dev Committees, evidence-bound slashing, disputes and jail (issue #16).
contract ProviderRegistrySlashTest is Test {
    MockRBT internal rbt;
    ProviderRegistry internal reg;
    address internal governance = makeAddr("governance");
    address internal sink = makeAddr("burnSink");
    uint256 internal constant MIN = 100e18;
    uint256 internal constant AMIN = 50e18;
    uint256 internal constant SLASH = 1_000; // 10 %
    uint256 internal constant BURN = 9_000; // 90 % burned, 10 % to the signers
    uint256 internal constant EPOCH_LEN = 1 hours;
    uint256 internal constant WINDOW = 2 hours;
    uint64 internal constant START = 1_000;
    /// @dev The audited epoch: the auditors' weights are active from START + 2.
    uint64 internal constant E = START + 2;

    uint256 internal providerKey = 0xBEEF;
    address internal provider;
    mapping(address => uint256) internal keyOf;
    address[] internal auditors;

    function setUp() public {
        vm.warp(START * EPOCH_LEN);
        rbt = new MockRBT();
        reg = new ProviderRegistry(
            IERC20(address(rbt)),
            governance,
            sink,
            ProviderRegistry.Config(MIN, AMIN, 7 days, 5, 6_666, SLASH, BURN, EPOCH_LEN, WINDOW)
        );
        provider = vm.addr(providerKey);
        _fund(provider, 1_000e18);
        vm.prank(provider);
        reg.registerProvider(hex"0024080112", 1e18, "EU", 12_500_000, "", 200e18);
        for (uint256 i = 1; i <= 5; ++i) {
            _addAuditor(0xA000 + i, AMIN);
        }
    }

    // ───────────────────────────── helpers ─────────────────────────────

    function _fund(address who, uint256 amount) internal {
        rbt.mint(who, amount);
        vm.prank(who);
        rbt.approve(address(reg), type(uint256).max);
    }

    function _addAuditor(uint256 key, uint256 stake) internal returns (address a) {
        a = vm.addr(key);
        keyOf[a] = key;
        auditors.push(a);
        _fund(a, stake + 100e18);
        vm.prank(a);
        reg.registerAuditor(stake);
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Into epoch `epoch` with its seed drawn, then past it, every auditor having anchored it.
    function _auditedEpoch(uint64 epoch) internal {
        vm.warp(uint256(epoch) * EPOCH_LEN + 1);
        reg.drawSeed();
        vm.warp(uint256(epoch + 1) * EPOCH_LEN + 1);
        for (uint256 i = 0; i < auditors.length; ++i) {
            vm.prank(auditors[i]);
            reg.anchorReports(epoch, keccak256("reports"), 1);
        }
    }

    function _payerKey(address auditor) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("probe payer", auditor))) % (2 ** 160);
    }

    /// @dev A black-hole report of `auditor`: 8 canaries, none back, 100 bytes received in its probe session.
    function _blackholeReport(address auditor, uint64 epoch) internal pure returns (ProviderRegistry.AuditReport memory) {
        return ProviderRegistry.AuditReport({
            auditor: auditor,
            provider: vm.addr(0xBEEF),
            epoch: epoch,
            probesSent: 8,
            probesDelivered: 0,
            rttMicros: 0,
            throughputBps: 0,
            claimedBps: 0,
            sessionsAttempted: 1,
            sessionsServed: 1,
            probePayer: vm.addr(_payerKey(auditor)),
            probeSession: keccak256(abi.encode("session", auditor)),
            bytesReceived: 100
        });
    }

    /// @dev Sorts reports by digest (the evidence order) and returns them with the evidence.
    function _evidence(ProviderRegistry.AuditReport[] memory reports)
        internal
        view
        returns (ProviderRegistry.AuditReport[] memory, bytes32)
    {
        uint256 n = reports.length;
        bytes32[] memory digests = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            digests[i] = reg.auditReportDigest(reports[i]);
        }
        for (uint256 i = 1; i < n; ++i) {
            for (uint256 j = i; j > 0 && digests[j] < digests[j - 1]; --j) {
                (digests[j], digests[j - 1]) = (digests[j - 1], digests[j]);
                (reports[j], reports[j - 1]) = (reports[j - 1], reports[j]);
            }
        }
        return (reports, keccak256(abi.encodePacked(digests)));
    }

    /// @dev `signers` (ascending) report a black hole in `epoch`; returns the report, evidence and signatures.
    function _finding(address[] memory signers, uint64 epoch, uint8 kind)
        internal
        view
        returns (ProviderRegistry.Report memory report, ProviderRegistry.AuditReport[] memory reports, bytes[] memory sigs)
    {
        reports = new ProviderRegistry.AuditReport[](signers.length);
        for (uint256 i = 0; i < signers.length; ++i) {
            reports[i] = _blackholeReport(signers[i], epoch);
        }
        bytes32 evidence;
        (reports, evidence) = _evidence(reports);
        report = ProviderRegistry.Report(provider, epoch, kind, evidence);
        sigs = new bytes[](signers.length);
        bytes32 digest = reg.reportDigest(report);
        for (uint256 i = 0; i < signers.length; ++i) {
            sigs[i] = _sign(keyOf[signers[i]], digest);
        }
    }

    function _sorted(address[] memory list) internal pure returns (address[] memory) {
        for (uint256 i = 1; i < list.length; ++i) {
            for (uint256 j = i; j > 0 && list[j] < list[j - 1]; --j) {
                (list[j], list[j - 1]) = (list[j - 1], list[j]);
            }
        }
        return list;
    }

    /// @dev The first `n` members of the committee of `epoch`, ascending.
    function _committeeSigners(uint64 epoch, uint256 n) internal view returns (address[] memory signers) {
        address[] memory committee = reg.committeeOf(provider, epoch);
        signers = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            signers[i] = committee[i];
        }
        return _sorted(signers);
    }

    function _indexOf(ProviderRegistry.AuditReport[] memory reports, address auditor) internal pure returns (uint256) {
        for (uint256 i = 0; i < reports.length; ++i) {
            if (reports[i].auditor == auditor) return i;
        }
        revert("no report");
    }

    function _payerReceipt(address auditor, uint64 bytesDown)
        internal
        view
        returns (ProviderRegistry.Receipt memory r, bytes memory sig)
    {
        // Checkpoint 3 of the probe session.
        r = ProviderRegistry.Receipt(
            keccak256(abi.encode(keccak256(abi.encode("session", auditor)), uint64(3))),
            bytes32(uint256(7)),
            1_000,
            bytesDown,
            1e15,
            1,
            2
        );
        sig = _sign(_payerKey(auditor), reg.receiptDigest(r));
    }

    // ───────────────────────────── committees ─────────────────────────────

    function test_committee_isDrawnFromActiveStakeOnly() public {
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NoSeed.selector, E));
        reg.committeeOf(provider, E);
        // A Sybil registering now weighs only from two epochs on.
        vm.warp(uint256(E) * EPOCH_LEN + 1);
        address sybil = _addAuditor(0x5B1, 10_000e18);
        reg.drawSeed();
        assertEq(reg.seedOf(E + 2), bytes32(0), "only the current and the next epoch are drawn");
        address[] memory committee = reg.committeeOf(provider, E);
        assertEq(committee.length, 5);
        for (uint256 i = 0; i < committee.length; ++i) {
            assertTrue(committee[i] != sybil, "a fresh auditor is in no committee");
        }
        assertEq(reg.weightOf(sybil, E + 1), 0);
        assertEq(reg.weightOf(sybil, E + 2), 10_000e18);
        assertEq(reg.quorumOf(5), 4);
        assertEq(reg.quorumOf(3), 2);
        assertEq(reg.quorumOf(1), 2, "never a single signer");
    }

    /// @dev With every auditor in the committee, a minority of the stake can never slash, however it signs.
    function testFuzz_minorityOfAllStakeCannotSlash(uint8 count) public {
        uint256 n = bound(count, 1, 3); // 1–3 of the 5 equal auditors: at most 60 %, under the 4-of-5 quorum
        _auditedEpoch(E);
        address[] memory signers = _committeeSigners(E, n);
        (ProviderRegistry.Report memory report,, bytes[] memory sigs) = _finding(signers, E, 1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.QuorumNotReached.selector, n, 4));
        reg.proposeSlash(report, sigs);
    }

    /// @dev Many Sybil accounts (an attacker's share s of the stake) succeed exactly when the drawn committee
    /// gives them a quorum of its seats, never otherwise; and never before their stake is active.
    function testFuzz_sybilsNeedAQuorumOfTheDrawnCommittee(uint256 randao, uint8 sybilCount) public {
        uint256 m = bound(sybilCount, 2, 8);
        vm.prank(governance);
        reg.setCommitteeSize(5);
        address[] memory sybils = new address[](m);
        for (uint256 i = 0; i < m; ++i) {
            sybils[i] = _addAuditor(0x5B100 + i, AMIN); // a share m / (5 + m) of all stake
        }
        uint64 epoch = E + 2;
        vm.prevrandao(bytes32(randao));
        _auditedEpoch(epoch);
        address[] memory committee = reg.committeeOf(provider, epoch);
        uint256 seats;
        address[] memory seated = new address[](committee.length);
        for (uint256 i = 0; i < committee.length; ++i) {
            for (uint256 j = 0; j < m; ++j) {
                if (committee[i] == sybils[j]) seated[seats++] = sybils[j];
            }
        }
        assembly {
            mstore(seated, seats)
        }
        if (seats < 2) return; // nothing to sign with
        (ProviderRegistry.Report memory report,, bytes[] memory sigs) = _finding(_sorted(seated), epoch, 1);
        if (seats < reg.quorumOf(committee.length)) {
            vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.QuorumNotReached.selector, seats, 4));
        }
        reg.proposeSlash(report, sigs);
    }

    // ───────────────────────────── propose, finalize ─────────────────────────────

    function test_slash_waitsOutTheDisputeWindow() public {
        _auditedEpoch(E);
        address[] memory signers = _committeeSigners(E, 4);
        (ProviderRegistry.Report memory report,, bytes[] memory sigs) = _finding(signers, E, 1);
        bytes32 id = reg.proposeSlash(report, sigs);
        assertEq(id, keccak256(abi.encode(provider, E)));
        assertEq(reg.stakeOf(provider), 200e18, "nothing moves at the proposal");
        assertTrue(reg.isReportUsed(provider, E));
        vm.expectRevert(
            abi.encodeWithSelector(ProviderRegistry.DisputeWindowOpen.selector, id, uint256(E + 1) * EPOCH_LEN + 1 + WINDOW)
        );
        reg.finalizeSlash(id, signers);
        vm.warp(block.timestamp + WINDOW);
        address[] memory wrong = _committeeSigners(E, 5);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.SignersMismatch.selector, id));
        reg.finalizeSlash(id, wrong);
        uint256 before = rbt.balanceOf(signers[0]);
        reg.finalizeSlash(id, signers);
        // 10 % of 200 = 20: 18 burned, 2 split among the 4 signers.
        assertEq(reg.stakeOf(provider), 180e18);
        assertEq(rbt.balanceOf(signers[0]) - before, 0.5e18);
        assertEq(rbt.balanceOf(sink), 18e18);
        assertEq(reg.slashOf(provider, E).state, 3);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.SlashNotPending.selector, id));
        reg.finalizeSlash(id, signers);
    }

    /// @dev A provider that saw the audits coming cannot take its stake out while a slash is pending.
    function test_slash_pendingBlocksWithdrawal() public {
        vm.prank(provider);
        reg.unbond(200e18); // ready in 7 days
        uint64 later = START + 7 * 24 + 1;
        _auditedEpoch(later);
        address[] memory signers = _committeeSigners(later, 4);
        (ProviderRegistry.Report memory report,, bytes[] memory sigs) = _finding(signers, later, 1);
        bytes32 id = reg.proposeSlash(report, sigs);
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.SlashPending.selector, provider));
        reg.withdraw();
        vm.warp(block.timestamp + WINDOW);
        reg.finalizeSlash(id, signers);
        assertEq(reg.stakeOf(provider), 180e18, "unbonding stake is slashable");
        vm.prank(provider);
        reg.withdraw();
        assertEq(rbt.balanceOf(provider), 800e18 + 180e18);
    }

    function test_slash_refusesStaleFutureAndRepeatedEpochs() public {
        _auditedEpoch(E);
        address[] memory signers = _committeeSigners(E, 4);
        (ProviderRegistry.Report memory report,, bytes[] memory sigs) = _finding(signers, E, 1);
        // The current epoch is not over.
        ProviderRegistry.Report memory current = ProviderRegistry.Report(provider, E + 1, 1, report.evidence);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.EpochOutOfWindow.selector, E + 1, E + 1));
        reg.proposeSlash(current, sigs);
        ProviderRegistry.Report memory future = ProviderRegistry.Report(provider, E + 9, 1, report.evidence);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.EpochOutOfWindow.selector, E + 9, E + 1));
        reg.proposeSlash(future, sigs);
        // Made-up old epochs: before the window (and no seed was ever drawn for them).
        ProviderRegistry.Report memory old = ProviderRegistry.Report(provider, 7, 1, report.evidence);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.EpochOutOfWindow.selector, 7, E + 1));
        reg.proposeSlash(old, sigs);
        // Once per provider and epoch, whatever the kind.
        reg.proposeSlash(report, sigs);
        (ProviderRegistry.Report memory other,, bytes[] memory otherSigs) = _finding(signers, E, 2);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ReportAlreadyUsed.selector, provider, E));
        reg.proposeSlash(other, otherSigs);
        // Stale: the window has passed for the next epoch's finding.
        vm.warp(uint256(E + 5) * EPOCH_LEN);
        (ProviderRegistry.Report memory stale,, bytes[] memory staleSigs) = _finding(signers, E + 1, 1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.EpochOutOfWindow.selector, E + 1, E + 5));
        reg.proposeSlash(stale, staleSigs);
    }

    function test_slash_needsCommitteeMembersWhoAnchored() public {
        vm.warp(uint256(E) * EPOCH_LEN + 1);
        reg.drawSeed();
        vm.warp(uint256(E + 1) * EPOCH_LEN + 1);
        address[] memory signers = _committeeSigners(E, 4);
        (ProviderRegistry.Report memory report,, bytes[] memory sigs) = _finding(signers, E, 1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotAnchored.selector, signers[0], E));
        reg.proposeSlash(report, sigs);
        for (uint256 i = 0; i < auditors.length; ++i) {
            vm.prank(auditors[i]);
            reg.anchorReports(E, keccak256("reports"), 1);
        }
        // A signature from outside the committee (a registered, staked, anchored outsider).
        address outsider = vm.addr(0x0DD);
        keyOf[outsider] = 0x0DD;
        address[] memory withOutsider = _sorted(_withLast(_committeeSigners(E, 3), outsider));
        (ProviderRegistry.Report memory r2,, bytes[] memory s2) = _finding(withOutsider, E, 1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotInCommittee.selector, outsider, E));
        reg.proposeSlash(r2, s2);
        // Short by one; a forged signature; signers out of order.
        (ProviderRegistry.Report memory r3,, bytes[] memory s3) = _finding(_committeeSigners(E, 3), E, 1);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.QuorumNotReached.selector, 3, 4));
        reg.proposeSlash(r3, s3);
        bytes[] memory broken = sigs;
        broken[1] = hex"00";
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.InvalidSignature.selector, 1));
        reg.proposeSlash(report, broken);
        (, , bytes[] memory fresh) = _finding(signers, E, 1);
        (fresh[0], fresh[1]) = (fresh[1], fresh[0]);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderRegistry.SignersNotIncreasing.selector, 1, signers[0], signers[1])
        );
        reg.proposeSlash(report, fresh);
    }

    function _withLast(address[] memory list, address item) internal pure returns (address[] memory out) {
        out = new address[](list.length + 1);
        for (uint256 i = 0; i < list.length; ++i) {
            out[i] = list[i];
        }
        out[list.length] = item;
    }

    // ───────────────────────────── disputes ─────────────────────────────

    function test_dispute_withThePayersReceiptVoidsTheSlashAndBurnsTheLiar() public {
        _auditedEpoch(E);
        address[] memory signers = _committeeSigners(E, 4);
        (ProviderRegistry.Report memory report, ProviderRegistry.AuditReport[] memory reports, bytes[] memory sigs) =
            _finding(signers, E, 1);
        bytes32 id = reg.proposeSlash(report, sigs);
        address liar = signers[2];
        uint256 index = _indexOf(reports, liar);
        // The liar's own probe key acknowledged 64 KiB received in the probe session it reports as black-holed.
        (ProviderRegistry.Receipt memory receipt, bytes memory payerSig) = _payerReceipt(liar, 65_536);
        uint256 liarStake = reg.auditorStakeOf(liar);
        vm.expectEmit(address(reg));
        emit ProviderRegistry.SlashDisputed(id, provider, liar, liarStake / 10);
        reg.disputeSlash(id, reports, index, 3, receipt, payerSig);
        assertEq(reg.slashOf(provider, E).state, 2);
        assertEq(reg.auditorStakeOf(liar), liarStake - liarStake / 10);
        assertEq(reg.weightOf(liar, E + 3), 0, "the liar leaves future committees");
        assertEq(reg.weightOf(liar, E), AMIN, "past committees stay as drawn");
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.SlashNotPending.selector, id));
        reg.finalizeSlash(id, signers);
        assertEq(reg.stakeOf(provider), 200e18, "no stake moved");
        assertEq(rbt.balanceOf(signers[0]), 100e18, "no reward");
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.ReportAlreadyUsed.selector, provider, E));
        reg.proposeSlash(report, sigs);
    }

    function test_dispute_refusesWhatDoesNotContradict() public {
        _auditedEpoch(E);
        address[] memory signers = _committeeSigners(E, 4);
        (ProviderRegistry.Report memory report, ProviderRegistry.AuditReport[] memory reports, bytes[] memory sigs) =
            _finding(signers, E, 1);
        bytes32 id = reg.proposeSlash(report, sigs);
        address auditor = signers[0];
        uint256 index = _indexOf(reports, auditor);
        {
            // No more than the report says.
            (ProviderRegistry.Receipt memory small, bytes memory smallSig) = _payerReceipt(auditor, 100);
            vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotContradicting.selector, id, index));
            reg.disputeSlash(id, reports, index, 3, small, smallSig);
        }
        {
            // The receipt's checkpoint named wrong.
            (ProviderRegistry.Receipt memory wrongSeq, bytes memory wrongSeqSig) = _payerReceipt(auditor, 65_536);
            vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotContradicting.selector, id, index));
            reg.disputeSlash(id, reports, index, 4, wrongSeq, wrongSeqSig);
        }
        {
            // Another session.
            (ProviderRegistry.Receipt memory other,) = _payerReceipt(auditor, 65_536);
            other.sessionId = bytes32(uint256(1));
            bytes memory otherSig = _sign(_payerKey(auditor), reg.receiptDigest(other));
            vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotContradicting.selector, id, index));
            reg.disputeSlash(id, reports, index, 3, other, otherSig);
        }
        {
            // Signed by the provider itself, not the payer.
            (ProviderRegistry.Receipt memory own,) = _payerReceipt(auditor, 65_536);
            bytes memory providerSig = _sign(providerKey, reg.receiptDigest(own));
            vm.expectRevert(
                abi.encodeWithSelector(ProviderRegistry.NotSignedByPayer.selector, provider, reports[index].probePayer)
            );
            reg.disputeSlash(id, reports, index, 3, own, providerSig);
        }
        (ProviderRegistry.Receipt memory big, bytes memory bigSig) = _payerReceipt(auditor, 65_536);
        {
            // Reports that are not the evidence.
            ProviderRegistry.AuditReport[] memory fewer = new ProviderRegistry.AuditReport[](3);
            for (uint256 i = 0; i < 3; ++i) {
                fewer[i] = reports[i];
            }
            vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.EvidenceMismatch.selector, id));
            reg.disputeSlash(id, fewer, 0, 3, big, bigSig);
        }
        // Too late.
        uint256 readyAt = block.timestamp + WINDOW;
        vm.warp(readyAt);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.DisputeWindowClosed.selector, id, readyAt));
        reg.disputeSlash(id, reports, index, 3, big, bigSig);
    }

    function test_dispute_evidenceThatDoesNotSupportTheFindingVoidsIt() public {
        _auditedEpoch(E);
        address[] memory signers = _committeeSigners(E, 4);
        ProviderRegistry.AuditReport[] memory reports = new ProviderRegistry.AuditReport[](4);
        for (uint256 i = 0; i < 4; ++i) {
            reports[i] = _blackholeReport(signers[i], E);
        }
        reports[3].probesSent = 3; // too few canaries to call a black hole
        bytes32 evidence;
        (reports, evidence) = _evidence(reports);
        ProviderRegistry.Report memory report = ProviderRegistry.Report(provider, E, 1, evidence);
        bytes[] memory sigs = new bytes[](4);
        for (uint256 i = 0; i < 4; ++i) {
            sigs[i] = _sign(keyOf[signers[i]], reg.reportDigest(report));
        }
        bytes32 id = reg.proposeSlash(report, sigs);
        uint256 index = _indexOf(reports, signers[3]);
        ProviderRegistry.Receipt memory none;
        reg.disputeSlash(id, reports, index, 3, none, "");
        assertEq(reg.slashOf(provider, E).state, 2);
        assertEq(reg.stakeOf(provider), 200e18);
    }

    // ───────────────────────────── liveness ─────────────────────────────

    function test_offline_jailsUntilTheProviderAnswersAgain() public {
        _auditedEpoch(E);
        address[] memory signers = _committeeSigners(E, 4);
        (ProviderRegistry.Report memory report,, bytes[] memory sigs) = _finding(signers, E, 3);
        bytes32 id = reg.proposeSlash(report, sigs);
        vm.warp(block.timestamp + WINDOW);
        reg.finalizeSlash(id, signers);
        assertEq(reg.stakeOf(provider), 198e18, "an offline slash is a tenth of a full one");
        assertTrue(reg.isJailed(provider));
        assertFalse(reg.isActiveProvider(provider), "a jailed provider is not selected");
        uint64 until = reg.currentEpoch() + 1;
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.JailNotOver.selector, provider, until));
        reg.unjail();
        vm.warp(uint256(until) * EPOCH_LEN);
        vm.prank(provider);
        reg.unjail();
        assertTrue(reg.isActiveProvider(provider));
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.NotJailed.selector, provider));
        reg.unjail();
    }

    /// @dev With epochs longer than the unbonding delay, an auditor that unbonded could leave the list while
    /// epochs it weighed in can still be slashed for; it waits until they are out of the window.
    function test_auditorLeavesTheDrawOnlyAfterTheReportWindow() public {
        ProviderRegistry weekly = new ProviderRegistry(
            IERC20(address(rbt)),
            governance,
            sink,
            ProviderRegistry.Config(MIN, AMIN, 1 days, 5, 6_666, SLASH, BURN, 7 days, 7 days)
        );
        address a = makeAddr("weeklyAuditor");
        rbt.mint(a, AMIN);
        vm.startPrank(a);
        rbt.approve(address(weekly), AMIN);
        weekly.registerAuditor(AMIN);
        uint64 epoch = weekly.currentEpoch();
        vm.warp(block.timestamp + 2 * 7 days);
        weekly.unbondAuditor(AMIN);
        vm.warp(block.timestamp + 1 days);
        uint64 free = epoch + 2 + 2 + 3;
        vm.expectRevert(abi.encodeWithSelector(ProviderRegistry.WeightChangePending.selector, a, free));
        weekly.withdrawAuditor();
        vm.warp(uint256(free) * 7 days);
        weekly.withdrawAuditor();
        vm.stopPrank();
        assertFalse(weekly.isAuditor(a));
        assertEq(rbt.balanceOf(a), AMIN);
    }
}
