// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {stdJson} from "forge-std/StdJson.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {PaymentChannels} from "../src/PaymentChannels.sol";
import {VolumeLedger, IServedVolumeVerifier} from "../src/VolumeLedger.sol";
import {ServedVolumeVerifier} from "../src/verifiers/ServedVolumeVerifier.sol";
import {MockRBT} from "./mocks/MockRBT.sol";

/// @dev VolumeLedger against real Groth16 proofs of circuits/servedVolume.circom, made by
/// `node scripts/volume-fixtures.ts` for a fixed scenario this test rebuilds on chain: the same payers open the
/// same channels (same ids: keccak256(payer, payee, nonce)) and register the same keys in the same order, so
/// the tree's root is the one proven.
contract VolumeLedgerTest is Test {
    using stdJson for string;

    uint256 internal constant EPOCH_LENGTH = 1 hours;
    uint256 internal constant CLAIM_WINDOW = 8;

    MockRBT internal rbt;
    PaymentChannels internal pc;
    VolumeLedger internal ledger;
    string internal fixture;
    address internal provider;
    uint256 internal epoch;
    bytes32[] internal ids;

    struct Claim {
        uint256 root;
        uint256[3] nullifiers;
        uint256 bytes_;
        uint256 value;
        uint256[8] proof;
    }

    function setUp() public {
        fixture = vm.readFile(string.concat(vm.projectRoot(), "/test/fixtures/servedVolume.json"));
        provider = fixture.readAddress(".provider");
        epoch = vm.parseUint(fixture.readString(".epoch"));
        rbt = new MockRBT();
        pc = new PaymentChannels(IERC20(address(rbt)), makeAddr("gov"), makeAddr("treasury"), 100, 1 days, makeAddr("burn"));
        ledger = new VolumeLedger(pc, IServedVolumeVerifier(address(new ServedVolumeVerifier())), EPOCH_LENGTH, CLAIM_WINDOW);
        uint256 deposit = vm.parseUint(fixture.readString(".deposit"));
        for (uint256 i; i < 4; ++i) {
            string memory c = string.concat(".channels[", vm.toString(i), "]");
            uint256 payerKey = fixture.readUint(string.concat(c, ".payerKey"));
            address payer = vm.addr(payerKey);
            rbt.mint(payer, deposit);
            vm.startPrank(payer);
            rbt.approve(address(pc), deposit);
            bytes32 id = pc.open(fixture.readAddress(string.concat(c, ".payee")), deposit);
            vm.stopPrank();
            assertEq(id, fixture.readBytes32(string.concat(c, ".channelId")), "channel id of the fixture");
            ids.push(id);
            _register(i, payerKey);
        }
        vm.prank(provider);
        ledger.registerProviderKey(vm.parseUint(fixture.readString(".providerKey")));
        vm.warp((epoch + 1) * EPOCH_LENGTH + 10); // the fixture's epoch has just ended
    }

    function _register(uint256 i, uint256 payerKey) internal {
        string memory c = string.concat(".channels[", vm.toString(i), "]");
        uint256 pubX = vm.parseUint(fixture.readString(string.concat(c, ".pubX")));
        uint256 pubY = vm.parseUint(fixture.readString(string.concat(c, ".pubY")));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(payerKey, ledger.registerChannelDigest(ids[i], pubX, pubY));
        ledger.registerChannel(ids[i], pubX, pubY, abi.encodePacked(r, s, v)); // submitted by anyone
    }

    function _claim(string memory name) internal view returns (Claim memory k) {
        string memory p = string.concat(".", name);
        k.root = vm.parseUint(fixture.readString(string.concat(p, ".root")));
        string[] memory n = fixture.readStringArray(string.concat(p, ".nullifiers"));
        for (uint256 i; i < 3; ++i) k.nullifiers[i] = vm.parseUint(n[i]);
        k.bytes_ = vm.parseUint(fixture.readString(string.concat(p, ".bytes")));
        k.value = vm.parseUint(fixture.readString(string.concat(p, ".value")));
        string[] memory proof = fixture.readStringArray(string.concat(p, ".proof"));
        for (uint256 i; i < 8; ++i) k.proof[i] = vm.parseUint(proof[i]);
    }

    function _submit(Claim memory k) internal {
        ledger.claimVolume(provider, epoch, k.root, k.nullifiers, k.bytes_, k.value, k.proof);
    }

    function test_treeRootIsTheProvenOne() public view {
        (uint256 root, uint256 size,) = ledger.tree();
        assertEq(size, 4);
        assertEq(root, _claim("honest").root);
    }

    function test_honestClaimIsCounted() public {
        Claim memory k = _claim("honest");
        vm.expectEmit(address(ledger));
        emit VolumeLedger.VolumeClaimed(provider, epoch, 6_000_000, 60e18, 3);
        vm.prank(makeAddr("relayer")); // anyone may submit: the proof binds the provider
        _submit(k);
        (uint256 b, uint256 v) = ledger.volumeOf(provider, epoch);
        assertEq(b, 6_000_000);
        assertEq(v, 60e18);
        (b, v) = ledger.totalVolume(epoch);
        assertEq(b, 6_000_000);
        assertEq(v, 60e18);
        for (uint256 i; i < 3; ++i) assertTrue(ledger.nullifierUsed(k.nullifiers[i]));
    }

    function test_sameClaimTwiceIsRefused() public {
        Claim memory k = _claim("honest");
        _submit(k);
        vm.expectRevert(abi.encodeWithSelector(VolumeLedger.NullifierUsed.selector, k.nullifiers[0]));
        _submit(k);
    }

    function test_aChannelCountsOnceAcrossClaims() public {
        _submit(_claim("honest"));
        Claim memory again = _claim("again"); // a valid proof of a later receipt of channel 0
        vm.expectRevert(abi.encodeWithSelector(VolumeLedger.NullifierUsed.selector, again.nullifiers[0]));
        _submit(again);
    }

    function test_laterReceiptAloneIsCounted() public {
        _submit(_claim("again"));
        (uint256 b, uint256 v) = ledger.volumeOf(provider, epoch);
        assertEq(b, 5_000_000);
        assertEq(v, 50e18);
    }

    function test_inflatedBytesAreRefused() public {
        Claim memory k = _claim("honest");
        k.bytes_ += 1;
        vm.expectRevert(VolumeLedger.InvalidProof.selector);
        _submit(k);
    }

    function test_inflatedValueIsRefused() public {
        Claim memory k = _claim("honest");
        k.value *= 2;
        vm.expectRevert(VolumeLedger.InvalidProof.selector);
        _submit(k);
    }

    function test_alteredNullifierIsRefused() public {
        Claim memory k = _claim("honest");
        k.nullifiers[2] = k.nullifiers[2] + 1;
        vm.expectRevert(VolumeLedger.InvalidProof.selector);
        _submit(k);
    }

    function test_droppedNullifierIsRefused() public {
        Claim memory k = _claim("honest"); // keep two channels unspent while counting three: refused
        k.nullifiers[2] = 0;
        vm.expectRevert(VolumeLedger.InvalidProof.selector);
        _submit(k);
    }

    function test_claimForAnotherProviderIsRefused() public {
        Claim memory k = _claim("honest");
        address other = makeAddr("other provider");
        vm.prank(other);
        ledger.registerProviderKey(vm.parseUint(fixture.readString(".providerKey")));
        vm.expectRevert(VolumeLedger.InvalidProof.selector);
        ledger.claimVolume(other, epoch, k.root, k.nullifiers, k.bytes_, k.value, k.proof);
    }

    function test_claimForAnotherEpochIsRefused() public {
        Claim memory k = _claim("honest");
        vm.warp((epoch + 2) * EPOCH_LENGTH);
        vm.expectRevert(VolumeLedger.InvalidProof.selector);
        ledger.claimVolume(provider, epoch + 1, k.root, k.nullifiers, k.bytes_, k.value, k.proof);
    }

    function test_unknownRootIsRefused() public {
        Claim memory k = _claim("honest");
        vm.expectRevert(abi.encodeWithSelector(VolumeLedger.UnknownRoot.selector, k.root + 1));
        ledger.claimVolume(provider, epoch, k.root + 1, k.nullifiers, k.bytes_, k.value, k.proof);
    }

    function test_runningOrExpiredEpochIsRefused() public {
        Claim memory k = _claim("honest");
        vm.warp(epoch * EPOCH_LENGTH + 1); // the epoch is still running
        vm.expectRevert(abi.encodeWithSelector(VolumeLedger.EpochNotClaimable.selector, epoch, epoch, CLAIM_WINDOW));
        _submit(k);
        vm.warp((epoch + CLAIM_WINDOW + 1) * EPOCH_LENGTH); // past the window
        vm.expectRevert(
            abi.encodeWithSelector(VolumeLedger.EpochNotClaimable.selector, epoch, epoch + CLAIM_WINDOW + 1, CLAIM_WINDOW)
        );
        _submit(k);
    }

    function test_providerWithoutKeyIsRefused() public {
        Claim memory k = _claim("honest");
        address other = makeAddr("keyless");
        vm.expectRevert(abi.encodeWithSelector(VolumeLedger.NoProviderKey.selector, other));
        ledger.claimVolume(other, epoch, k.root, k.nullifiers, k.bytes_, k.value, k.proof);
    }

    function test_providerKeyIsSetOnce() public {
        vm.prank(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                VolumeLedger.ProviderKeyAlreadySet.selector, provider, vm.parseUint(fixture.readString(".providerKey"))
            )
        );
        ledger.registerProviderKey(1);
    }

    function test_emptyClaimIsRefused() public {
        Claim memory k = _claim("honest");
        k.nullifiers = [uint256(0), 0, 0];
        vm.expectRevert(VolumeLedger.EmptyClaim.selector);
        _submit(k);
    }

    function test_registrationNeedsThePayersSignature() public {
        bytes32 id = _openAnother(0xA11CE);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(0xBAD, ledger.registerChannelDigest(id, 1, 2));
        vm.expectRevert(abi.encodeWithSelector(VolumeLedger.InvalidSigner.selector, id, vm.addr(0xBAD), vm.addr(0xA11CE)));
        ledger.registerChannel(id, 1, 2, abi.encodePacked(r, s, v));
    }

    function test_registrationOnceUnlessTheDepositGrew() public {
        bytes32 id = ids[0];
        uint256 deposit = ledger.registeredDeposit(id);
        vm.expectRevert(abi.encodeWithSelector(VolumeLedger.AlreadyRegistered.selector, id, deposit, deposit));
        this.registerAgain(0);
        address payer = vm.addr(0xA11CE);
        rbt.mint(payer, 1e18);
        vm.startPrank(payer);
        rbt.approve(address(pc), 1e18);
        pc.topUp(id, 1e18);
        vm.stopPrank();
        this.registerAgain(0);
        assertEq(ledger.registeredDeposit(id), deposit + 1e18);
    }

    function test_unknownChannelIsRefused() public {
        vm.expectRevert(abi.encodeWithSelector(VolumeLedger.ChannelNotFound.selector, bytes32(uint256(7))));
        ledger.registerChannel(bytes32(uint256(7)), 1, 2, "");
    }

    function registerAgain(uint256 i) external {
        _register(i, fixture.readUint(string.concat(".channels[", vm.toString(i), "].payerKey")));
    }

    function _openAnother(uint256 payerKey) internal returns (bytes32 id) {
        address payer = vm.addr(payerKey);
        rbt.mint(payer, 1e18);
        vm.startPrank(payer);
        rbt.approve(address(pc), 1e18);
        id = pc.open(provider, 1e18);
        vm.stopPrank();
    }
}
