// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestDollar (tUSD)
/// @notice The devnet's reserve asset: a 6-decimal dollar stand-in with a rate-limited faucet.
/// On a real chain the bonding curve uses a real stablecoin instead; nothing here is mintable at will.
contract TestDollar is ERC20, ERC20Permit {
    /// @notice What one `faucet()` call gives: 10,000 dollars.
    uint256 public constant FAUCET_AMOUNT = 10_000e6;
    /// @notice How long an address waits between two faucet calls.
    uint256 public constant FAUCET_COOLDOWN = 1 hours;

    error FaucetCoolingDown(address account, uint256 availableAt);

    mapping(address account => uint256) private _lastFaucet;

    constructor() ERC20("Bandex Test Dollar", "tUSD") ERC20Permit("Bandex Test Dollar") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Sends `FAUCET_AMOUNT` to the caller, at most once per `FAUCET_COOLDOWN`.
    function faucet() external {
        uint256 last = _lastFaucet[msg.sender];
        if (last != 0 && block.timestamp < last + FAUCET_COOLDOWN) {
            revert FaucetCoolingDown(msg.sender, last + FAUCET_COOLDOWN);
        }
        _lastFaucet[msg.sender] = block.timestamp;
        _mint(msg.sender, FAUCET_AMOUNT);
    }

    /// @notice When `account` may call the faucet again (0: now).
    function faucetAvailableAt(address account) external view returns (uint256) {
        uint256 last = _lastFaucet[account];
        return last == 0 ? 0 : last + FAUCET_COOLDOWN;
    }
}
