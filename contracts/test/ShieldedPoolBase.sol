// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {ShieldedPool} from "../src/ShieldedPool.sol";
import {PoolSpendVerifier} from "../src/verifiers/PoolSpendVerifier.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

/**
 * @dev Fixture of the ShieldedPool tests: deploys MockRBT, PaymentChannels, PoolSpendVerifier and ShieldedPool
 * in this order (nonces 1-4 of the test contract), the addresses contracts/test/fixtures/shieldedPool.json's
 * proofs are bound to (regenerate them with `node scripts/pool-fixtures.ts`), and makes its three deposits.
 */
abstract contract ShieldedPoolBase is Test {
    MockRBT internal rbt;
    PaymentChannels internal pc;
    PoolSpendVerifier internal verifier;
    ShieldedPool internal pool;
    string internal fixture;
    address internal depositor = makeAddr("depositor");
    address internal relayer = makeAddr("relayer");
    uint256 internal constant PAYEE_KEY = 0xB0B;
    uint256 internal constant FIRST_PAYER_KEY = 0xA11CE1;
    uint256 internal constant FEE = 100;

    function setUp() public virtual {
        fixture = vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/shieldedPool.json"));
        rbt = new MockRBT();
        pc = new PaymentChannels(IERC20(address(rbt)), makeAddr("governance"), makeAddr("treasury"), FEE, 1 days, makeAddr("burn"));
        verifier = new PoolSpendVerifier();
        uint256[] memory d = vm.parseJsonUintArray(fixture, ".denominations");
        pool = new ShieldedPool(IERC20(address(rbt)), pc, verifier, [d[0], d[1], d[2]]);
        assertEq(address(pc), vm.parseJsonAddress(fixture, ".channels"), "deployment order changed: regenerate the fixture");
        assertEq(address(pool), vm.parseJsonAddress(fixture, ".pool"), "deployment order changed: regenerate the fixture");
        rbt.mint(depositor, 1_000e18);
        vm.prank(depositor);
        rbt.approve(address(pool), type(uint256).max);
        uint256[] memory keys = vm.parseJsonUintArray(fixture, ".depositKeys");
        uint256[] memory values = vm.parseJsonUintArray(fixture, ".depositValues");
        for (uint256 i = 0; i < keys.length; ++i) {
            vm.prank(depositor);
            pool.deposit(keys[i], values[i]);
        }
    }

    function _spend(string memory name)
        internal
        view
        returns (ShieldedPool.SpendProof memory spend, ShieldedPool.ChannelRequest memory request)
    {
        string memory s = string.concat(".", name, ".spend");
        uint256[] memory a = vm.parseJsonUintArray(fixture, string.concat(s, ".pA"));
        uint256[] memory b0 = vm.parseJsonUintArray(fixture, string.concat(s, ".pB[0]"));
        uint256[] memory b1 = vm.parseJsonUintArray(fixture, string.concat(s, ".pB[1]"));
        uint256[] memory c = vm.parseJsonUintArray(fixture, string.concat(s, ".pC"));
        spend = ShieldedPool.SpendProof({
            pA: [a[0], a[1]],
            pB: [[b0[0], b0[1]], [b1[0], b1[1]]],
            pC: [c[0], c[1]],
            root: vm.parseJsonUint(fixture, string.concat(s, ".root")),
            nullifierHash: vm.parseJsonUint(fixture, string.concat(s, ".nullifierHash")),
            changeCommitment: vm.parseJsonUint(fixture, string.concat(s, ".changeCommitment"))
        });
        string memory r = string.concat(".", name, ".request");
        request = ShieldedPool.ChannelRequest({
            payer: vm.parseJsonAddress(fixture, string.concat(r, ".payer")),
            payee: vm.parseJsonAddress(fixture, string.concat(r, ".payee")),
            amount: vm.parseJsonUint(fixture, string.concat(r, ".amount")),
            premiumBps: vm.parseJsonUint(fixture, string.concat(r, ".premiumBps")),
            refundKey: vm.parseJsonUint(fixture, string.concat(r, ".refundKey"))
        });
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }
}
