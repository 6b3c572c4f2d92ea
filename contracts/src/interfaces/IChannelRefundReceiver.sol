// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A contract that funds channels for other keys with {PaymentChannels.openFor} and wants to know when
/// a channel's unspent rest comes back (the shielded pool turns it into a new note).
interface IChannelRefundReceiver {
    /// @notice Called by PaymentChannels after it transferred `refund` RBT of channel `id` to this contract.
    function onChannelRefund(bytes32 id, uint256 refund) external;
}
