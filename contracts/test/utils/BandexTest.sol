// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {BandexGovernor} from "../../src/BandexGovernor.sol";
import {BandexTimelock} from "../../src/BandexTimelock.sol";
import {BandwidthToken} from "../../src/BandwidthToken.sol";
import {BondingCurve} from "../../src/BondingCurve.sol";
import {PaymentChannels} from "../../src/PaymentChannels.sol";
import {ProviderRegistry} from "../../src/ProviderRegistry.sol";
import {TestDollar} from "../../src/TestDollar.sol";

/// @notice Deploys the whole system the way `src/chain/deployBandex.ts` does (same wiring and
/// parameters), so every contract test runs against the real deployment.
abstract contract BandexTest is Test {
    TestDollar internal dollar;
    BandexTimelock internal timelock;
    BondingCurve internal curve;
    BandwidthToken internal token;
    BandexGovernor internal governor;
    ProviderRegistry internal registry;
    PaymentChannels internal channels;

    uint256 internal constant VIRTUAL_RESERVE = 5_000e6;
    uint256 internal constant VIRTUAL_SUPPLY = 1_000_000e18;
    uint256 internal constant RATIO_PPM = 500_000;
    uint256 internal constant MIN_RATIO_PPM = 100_000;
    uint256 internal constant MAX_RATIO_PPM = 900_000;
    uint256 internal constant MAX_STEP_PPM = 20_000;
    uint256 internal constant EPOCH = 1 hours;
    uint256 internal constant MIN_STAKE = 1_000e18;
    uint256 internal constant AUDITOR_MIN_STAKE = 1_000e18;
    uint256 internal constant UNBONDING_DELAY = 1 days;
    uint256 internal constant COMMITTEE_SIZE = 5;
    uint256 internal constant QUORUM_BPS = 6_666;
    uint256 internal constant AUDIT_EPOCH = 20;
    uint256 internal constant DISPUTE_WINDOW = 40;
    uint256 internal constant SLASH_BPS = 1_000;
    uint256 internal constant SLASH_BURN_BPS = 5_000;
    uint256 internal constant FEE_BPS = 100;
    uint256 internal constant CHALLENGE_PERIOD = 1 days;
    uint256 internal constant TIMELOCK_DELAY = 1 hours;

    function setUp() public virtual {
        dollar = new TestDollar();
        timelock = new BandexTimelock(TIMELOCK_DELAY, new address[](0), _single(address(0)), address(this));
        curve = new BondingCurve(
            IERC20(address(dollar)),
            address(timelock),
            address(timelock),
            VIRTUAL_RESERVE,
            VIRTUAL_SUPPLY,
            RATIO_PPM,
            MIN_RATIO_PPM,
            MAX_RATIO_PPM,
            MAX_STEP_PPM,
            EPOCH
        );
        token = curve.token();
        governor = new BandexGovernor(IVotes(address(token)), timelock, 60, 600, 0, 4);
        registry = new ProviderRegistry(
            IERC20(address(token)),
            address(timelock),
            address(curve),
            ProviderRegistry.Config(
                MIN_STAKE,
                AUDITOR_MIN_STAKE,
                UNBONDING_DELAY,
                COMMITTEE_SIZE,
                QUORUM_BPS,
                SLASH_BPS,
                SLASH_BURN_BPS,
                AUDIT_EPOCH,
                DISPUTE_WINDOW
            )
        );
        channels = new PaymentChannels(
            IERC20(address(token)), address(timelock), address(timelock), FEE_BPS, CHALLENGE_PERIOD, address(curve)
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));
    }

    /// @dev Gives `who` at least `amount` RBT by buying on the curve with faucet dollars.
    function _fundRbt(address who, uint256 amount) internal {
        while (token.balanceOf(who) < amount) {
            vm.warp(block.timestamp + dollar.FAUCET_COOLDOWN());
            vm.startPrank(who);
            dollar.faucet();
            dollar.approve(address(curve), type(uint256).max);
            curve.buy(dollar.balanceOf(who), 0);
            vm.stopPrank();
        }
    }

    function _sign(uint256 privateKey, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    function _single(address a) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }
}
