// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title BandexTimelock
/// @notice OpenZeppelin's TimelockController, unchanged; a named artifact for deployment. It owns
/// every protocol parameter; the governor is its only proposer and canceller, anyone may execute a
/// ready operation, and the deployer renounces the admin role in the deployment itself.
contract BandexTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
