// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PaymentChannels} from "../src/PaymentChannels.sol";
import {ShieldedPool} from "../src/ShieldedPool.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ShieldedPoolBase} from "./ShieldedPoolBase.sol";

/// @notice The shielded pool with real Groth16 proofs of circuits/poolSpend.circom (fixtures/shieldedPool.json).
contract ShieldedPoolTest is ShieldedPoolBase {
    function test_depositsAreNotesOfTheirDenomination() public view {
        assertEq(pool.size(), 3);
        assertEq(rbt.balanceOf(address(pool)), 21e18);
        assertEq(pool.liabilities(), 21e18);
    }

    function test_depositRefusesOtherAmountsAndBadKeys() public {
        vm.startPrank(depositor);
        vm.expectRevert(abi.encodeWithSelector(ShieldedPool.NotADenomination.selector, 2e18));
        pool.deposit(123, 2e18);
        vm.expectRevert(abi.encodeWithSelector(ShieldedPool.InvalidNoteKey.selector, 0));
        pool.deposit(0, 1e18);
        uint256 p = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
        vm.expectRevert(abi.encodeWithSelector(ShieldedPool.InvalidNoteKey.selector, p));
        pool.deposit(p, 1e18);
        vm.stopPrank();
    }

    function test_validProofFundsExactlyOneChannel() public {
        (ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request) = _spend("first");
        uint256 before = rbt.balanceOf(address(pool));
        vm.recordLogs();
        vm.prank(relayer); // anyone submits: the payer key has no gas, the relayer no note
        bytes32 id = pool.fundChannel(spend, request);
        assertEq(id, pc.channelId(request.payer, request.payee, 0));
        PaymentChannels.Channel memory c = pc.getChannel(id);
        assertEq(c.payer, request.payer);
        assertEq(c.payee, request.payee);
        assertEq(c.deposit, request.amount);
        assertEq(c.refundTo, address(pool));
        assertEq(rbt.balanceOf(address(pool)), before - request.amount);
        assertEq(rbt.balanceOf(relayer), 0);
        assertEq(pool.liabilities(), 21e18 - request.amount);
        assertTrue(pool.isSpent(spend.nullifierHash));
        assertEq(pool.size(), 4, "the change note is appended");
        assertEq(pc.nonceOf(request.payer), 1, "exactly one channel");
    }

    function test_sameNullifierTwiceIsRefused() public {
        (ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request) = _spend("first");
        pool.fundChannel(spend, request);
        vm.expectRevert(abi.encodeWithSelector(ShieldedPool.NullifierSpent.selector, spend.nullifierHash));
        pool.fundChannel(spend, request);
        // Another valid proof for the same note (other key, other amount): the same nullifier.
        (ShieldedPool.SpendProof memory again, ShieldedPool.ChannelRequest memory other) = _spend("sameNote");
        assertEq(again.nullifierHash, spend.nullifierHash);
        vm.expectRevert(abi.encodeWithSelector(ShieldedPool.NullifierSpent.selector, spend.nullifierHash));
        pool.fundChannel(again, other);
    }

    function test_proofBoundToOtherParametersIsRefused() public {
        (ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request) = _spend("first");
        ShieldedPool.ChannelRequest memory r;

        // Each case starts from a fresh copy (memory structs assign by reference).
        (, r) = _spend("first");
        r.payee = makeAddr("front-runner");
        _expectInvalid(spend, r);
        (, r) = _spend("first");
        r.payer = makeAddr("front-runner key");
        _expectInvalid(spend, r);
        (, r) = _spend("first");
        r.amount = request.amount + 1;
        _expectInvalid(spend, r);
        (, r) = _spend("first");
        r.premiumBps = 100;
        _expectInvalid(spend, r);
        (, r) = _spend("first");
        r.refundKey = request.refundKey + 1;
        _expectInvalid(spend, r);

        // Another chain.
        uint256 chainId = block.chainid;
        vm.chainId(1);
        _expectInvalid(spend, request);
        vm.chainId(chainId);

        // Another pool with the very same notes (same root): the binding names the pool.
        ShieldedPool twin = new ShieldedPool(IERC20(address(rbt)), pc, verifier, pool.denominations());
        vm.startPrank(depositor);
        rbt.approve(address(twin), type(uint256).max);
        uint256[] memory keys = vm.parseJsonUintArray(fixture, ".depositKeys");
        uint256[] memory values = vm.parseJsonUintArray(fixture, ".depositValues");
        for (uint256 i = 0; i < keys.length; ++i) twin.deposit(keys[i], values[i]);
        vm.stopPrank();
        assertEq(twin.root(), pool.root());
        vm.expectRevert(ShieldedPool.InvalidProof.selector);
        twin.fundChannel(spend, request);

        // A change commitment swapped by a relayer.
        (ShieldedPool.SpendProof memory s,) = _spend("first");
        s.changeCommitment = spend.changeCommitment + 1;
        vm.expectRevert(ShieldedPool.InvalidProof.selector);
        pool.fundChannel(s, request);

        // Untouched, it still funds.
        pool.fundChannel(spend, request);
    }

    function test_unknownRootIsRefused() public {
        (ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request) = _spend("first");
        spend.root = spend.root + 1;
        vm.expectRevert(abi.encodeWithSelector(ShieldedPool.UnknownRoot.selector, spend.root));
        pool.fundChannel(spend, request);
    }

    function test_oldRootsExpireAfterRootHistory() public {
        (ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request) = _spend("first");
        vm.startPrank(depositor);
        for (uint256 i = 0; i < pool.ROOT_HISTORY() - 1; ++i) pool.deposit(1000 + i, 1e18);
        vm.stopPrank();
        assertTrue(pool.isKnownRoot(spend.root), "still within the history");
        vm.prank(depositor);
        pool.deposit(999, 1e18);
        vm.expectRevert(abi.encodeWithSelector(ShieldedPool.UnknownRoot.selector, spend.root));
        pool.fundChannel(spend, request);
    }

    function test_refundComesBackAsASpendableNote() public {
        (ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request) = _spend("first");
        bytes32 id = pool.fundChannel(spend, request);
        uint256 closeAmount = vm.parseJsonUint(fixture, ".closeAmount");
        uint256 refund = request.amount - closeAmount;
        uint256 commitment = vm.parseJsonUint(fixture, ".refundCommitment");

        // The provider closes with both signatures (the one-time key has no gas).
        bytes memory payerSig = _sign(FIRST_PAYER_KEY, pc.closeDigest(id, closeAmount));
        bytes memory payeeSig = _sign(PAYEE_KEY, pc.closeDigest(id, closeAmount));
        vm.expectEmit(address(pool));
        emit ShieldedPool.RefundQueued(id, commitment, refund);
        vm.prank(request.payee);
        pc.cooperativeCloseSigned(id, closeAmount, payerSig, payeeSig);
        assertEq(pool.queuedRefunds(), 1);
        assertEq(pool.liabilities(), 21e18 - request.amount + refund);
        assertEq(rbt.balanceOf(address(pool)), 21e18 - request.amount + refund);

        vm.expectEmit(true, false, false, false, address(pool));
        emit ShieldedPool.NoteCommitted(commitment, 4, 0);
        vm.prank(relayer);
        pool.commitRefunds(10);
        assertEq(pool.queuedRefunds(), 0);
        assertEq(pool.size(), 5);

        // The refund note is spent like any other.
        (ShieldedPool.SpendProof memory spend2, ShieldedPool.ChannelRequest memory request2) = _spend("refund");
        assertEq(spend2.root, pool.root());
        bytes32 id2 = pool.fundChannel(spend2, request2);
        assertEq(pc.getChannel(id2).deposit, refund);
    }

    function test_refundsAreCommittedByTheNextPoolTransaction() public {
        (ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request) = _spend("first");
        bytes32 id = pool.fundChannel(spend, request);
        bytes memory payerSig = _sign(FIRST_PAYER_KEY, pc.closeDigest(id, 1e18));
        bytes memory payeeSig = _sign(PAYEE_KEY, pc.closeDigest(id, 1e18));
        pc.cooperativeCloseSigned(id, 1e18, payerSig, payeeSig);
        vm.prank(depositor);
        pool.deposit(42, 1e18);
        assertEq(pool.queuedRefunds(), 0);
        assertEq(pool.size(), 6);
    }

    function test_onlyPaymentChannelsReportsRefunds() public {
        vm.expectRevert(abi.encodeWithSelector(ShieldedPool.NotPaymentChannels.selector, relayer));
        vm.prank(relayer);
        pool.onChannelRefund(bytes32(uint256(1)), 1e18);
        // A refund for a channel the pool did not fund is ignored (no note, no liability).
        vm.prank(address(pc));
        pool.onChannelRefund(bytes32(uint256(1)), 1e18);
        assertEq(pool.queuedRefunds(), 0);
        assertEq(pool.liabilities(), 21e18);
    }

    function _expectInvalid(ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request)
        internal
    {
        vm.expectRevert(ShieldedPool.InvalidProof.selector);
        pool.fundChannel(spend, request);
    }
}
