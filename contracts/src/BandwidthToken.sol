// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title BandwidthToken (RBT)
/// @notice The bandwidth token: ERC-20 with ERC-2612 permit (one-transaction channel opens) and
/// ERC20Votes (governance). Minted and burned only by its bonding curve, which deploys it, so the
/// curve address is immutable and no one else can ever change the supply.
/// @dev Votes use a timestamp clock (ERC-6372 `mode=timestamp`) so governance periods are in seconds
/// on every chain, whatever its block time.
contract BandwidthToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice The caller is not the bonding curve.
    error OnlyCurve(address caller);

    address private immutable _curve;

    constructor() ERC20("Bandex Bandwidth Token", "RBT") ERC20Permit("Bandex Bandwidth Token") {
        _curve = msg.sender;
    }

    /// @notice The bonding curve, the only minter and burner.
    function curve() external view returns (address) {
        return _curve;
    }

    /// @notice Mints `amount` to `to`. Curve only.
    function mint(address to, uint256 amount) external {
        if (msg.sender != _curve) revert OnlyCurve(msg.sender);
        _mint(to, amount);
    }

    /// @notice Burns `amount` held by `from`. Curve only (the curve burns what it was sold or sent).
    function burn(address from, uint256 amount) external {
        if (msg.sender != _curve) revert OnlyCurve(msg.sender);
        _burn(from, amount);
    }

    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
