// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {ShieldedPool} from "../src/ShieldedPool.sol";
import {MockRBT} from "./mocks/MockRBT.sol";
import {ShieldedPoolBase} from "./ShieldedPoolBase.sol";

/// @dev Drives the pool with deposits, real spends (the fixture proofs), channel closes at any amount and
/// refund commits, keeping a ghost ledger of the notes' values.
contract ShieldedPoolHandler is Test {
    ShieldedPool internal pool;
    PaymentChannels internal pc;
    MockRBT internal rbt;
    address internal depositor = makeAddr("handler depositor");
    uint256 internal payeeKey;
    ShieldedPool.SpendProof[] internal spends;
    ShieldedPool.ChannelRequest[] internal requests;
    uint256[] internal payerKeys;
    bytes32[] internal open;
    mapping(bytes32 => uint256) internal payerKeyOf;
    uint256 internal nextKey = 1;

    /// @dev Sum of the values of the notes the pool owes: deposits − payouts + refunds (what it must cover).
    uint256 public ghostNotes;
    uint256 public ghostQueued;
    uint256 public funded;

    constructor(ShieldedPool pool_, PaymentChannels pc_, MockRBT rbt_, uint256 payeeKey_) {
        pool = pool_;
        pc = pc_;
        rbt = rbt_;
        payeeKey = payeeKey_;
        ghostNotes = pool_.liabilities();
        rbt.mint(depositor, 1e30);
        vm.prank(depositor);
        rbt.approve(address(pool), type(uint256).max);
    }

    function addSpend(ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request, uint256 key)
        external
    {
        spends.push(spend);
        requests.push(request);
        payerKeys.push(key);
    }

    function deposit(uint256 which) external {
        uint256 denomination = pool.denominations()[which % 3];
        vm.prank(depositor);
        pool.deposit(nextKey++, denomination);
        ghostNotes += denomination;
        _flushed(1);
    }

    function fund(uint256 which) external {
        if (spends.length == 0) return;
        uint256 i = which % spends.length;
        try pool.fundChannel(spends[i], requests[i]) returns (bytes32 id) {
            // The note's value stays owed except `amount`, which is now in the channel.
            ghostNotes -= requests[i].amount;
            open.push(id);
            funded++;
            payerKeyOf[id] = payerKeys[i];
            _flushed(1);
        } catch {}
    }

    function close(uint256 which, uint256 amount) external {
        if (open.length == 0) return;
        uint256 i = which % open.length;
        bytes32 id = open[i];
        open[i] = open[open.length - 1];
        open.pop();
        uint256 deposit_ = pc.getChannel(id).deposit;
        amount = bound(amount, 0, deposit_);
        bytes32 digest = pc.closeDigest(id, amount);
        (uint8 v1, bytes32 r1, bytes32 s1) = vm.sign(payerKeyOf[id], digest);
        (uint8 v2, bytes32 r2, bytes32 s2) = vm.sign(payeeKey, digest);
        pc.cooperativeCloseSigned(id, amount, abi.encodePacked(r1, s1, v1), abi.encodePacked(r2, s2, v2));
        if (deposit_ > amount) {
            ghostNotes += deposit_ - amount;
            ghostQueued += 1;
        }
    }

    function commit(uint256 count) external {
        count = bound(count, 0, 4);
        pool.commitRefunds(count);
        _flushed(count);
    }

    function _flushed(uint256 count) internal {
        ghostQueued = ghostQueued > count ? ghostQueued - count : 0;
    }
}

/// @notice Invariant: the pool's RBT balance always covers what its notes (and queued refunds) are worth.
contract ShieldedPoolInvariantTest is ShieldedPoolBase {
    ShieldedPoolHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new ShieldedPoolHandler(pool, pc, rbt, PAYEE_KEY);
        (ShieldedPool.SpendProof memory s1, ShieldedPool.ChannelRequest memory r1) = _spend("first");
        (ShieldedPool.SpendProof memory s2, ShieldedPool.ChannelRequest memory r2) = _spend("sameNote");
        (ShieldedPool.SpendProof memory s3, ShieldedPool.ChannelRequest memory r3) = _spend("refund");
        handler.addSpend(s1, r1, FIRST_PAYER_KEY);
        handler.addSpend(s2, r2, 0xA11CE2);
        handler.addSpend(s3, r3, 0xA11CE2);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = ShieldedPoolHandler.deposit.selector;
        selectors[1] = ShieldedPoolHandler.fund.selector;
        selectors[2] = ShieldedPoolHandler.close.selector;
        selectors[3] = ShieldedPoolHandler.commit.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Each run funds channels from real proofs (a valid spend is 1/6 of the calls: missing it in 64 is
    /// 1 in 10^5), or the invariant would only watch deposits.
    function afterInvariant() external view {
        assertGt(handler.funded(), 0);
    }

    function invariant_balanceCoversNotes() public view {
        assertGe(rbt.balanceOf(address(pool)), pool.liabilities());
        assertEq(pool.liabilities(), handler.ghostNotes());
        assertEq(pool.queuedRefunds(), handler.ghostQueued());
    }
}
