/**
 * EIP-712 definitions shared by the contracts and the TypeScript side. Every struct
 * here is hashed on chain by exactly the same type string (see `contracts/src/`), so
 * a change here is a protocol change: bump the domain `version` with it.
 *
 * - `Voucher` (PaymentChannels domain): the payer's signed cumulative promise for a
 *   channel, optionally committing to the head of a SHA-256 hash chain whose preimages
 *   are per-tick payments (PayWord). Claim = amount + ticks × tickValue, capped at
 *   the deposit.
 * - `CloseChannel` (PaymentChannels domain): the payee's consent to close a channel
 *   cooperatively with a final cumulative amount (and, for `cooperativeCloseSigned`, the payer's).
 * - `StartClose` (PaymentChannels domain): the payer's consent to a unilateral close that anyone may
 *   submit (`startCloseSigned`): a one-time payer key holds no gas.
 * - `Receipt` (ProviderRegistry domain): a session's closing statement; two different
 *   receipts signed by one provider for the same session are equivocation.
 * - `Report` (ProviderRegistry domain): an auditor's signed per-epoch finding.
 * - `OpenChannel` (DeviceBudgets domain): a device key's request to open a channel from its owner's budget.
 * - `SessionProposal` (PaymentChannels domain, checked off chain only): the payer's consent to open a
 *   session on its channel with one provider, for one client tunnel key, once (nonce), until expiry.
 */
import type { Address, Hex, TypedDataDomain } from 'viem';

export const CHANNELS_DOMAIN_NAME = 'Bandex Channels';
export const REGISTRY_DOMAIN_NAME = 'Bandex Registry';
export const DEVICE_BUDGETS_DOMAIN_NAME = 'Bandex Device Budgets';
export const DOMAIN_VERSION = '1';

export const voucherTypes = {
  Voucher: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'amount', type: 'uint256' },
    { name: 'tickAnchor', type: 'bytes32' },
    { name: 'tickValue', type: 'uint256' },
  ],
} as const;

export const closeChannelTypes = {
  CloseChannel: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'amount', type: 'uint256' },
  ],
} as const;

export const startCloseTypes = {
  StartClose: [{ name: 'channelId', type: 'bytes32' }],
} as const;

/** A device's request to open a channel from its owner's budget (`DeviceBudgets.openChannel`). */
export const deviceOpenChannelTypes = {
  OpenChannel: [
    { name: 'payee', type: 'address' },
    { name: 'deposit', type: 'uint256' },
    { name: 'premiumBps', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const;

export const receiptTypes = {
  Receipt: [
    { name: 'sessionId', type: 'bytes32' },
    { name: 'channelId', type: 'bytes32' },
    { name: 'bytesUp', type: 'uint64' },
    { name: 'bytesDown', type: 'uint64' },
    { name: 'amount', type: 'uint256' },
    { name: 'startTime', type: 'uint64' },
    { name: 'endTime', type: 'uint64' },
  ],
} as const;

/** A `Receipt` as signed and as the registry takes it (`slashEquivocation`, `disputeSlash`). */
export type RegistryReceipt = {
  sessionId: Hex;
  channelId: Hex;
  bytesUp: bigint;
  bytesDown: bigint;
  amount: bigint;
  startTime: bigint;
  endTime: bigint;
};

export const sessionProposalTypes = {
  SessionProposal: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'provider', type: 'address' },
    { name: 'tunnelKey', type: 'bytes32' },
    { name: 'sessionNonce', type: 'bytes32' },
    { name: 'expiry', type: 'uint64' },
  ],
} as const;

export const reportTypes = {
  Report: [
    { name: 'provider', type: 'address' },
    { name: 'epoch', type: 'uint64' },
    { name: 'kind', type: 'uint8' },
    { name: 'evidence', type: 'bytes32' },
  ],
} as const;

/** Failure kinds an auditor report can carry (the `kind` field of `Report`). */
export const ReportKind = {
  /** Canary probes sent through the provider never arrived. */
  Blackhole: 1,
  /** Measured capacity repeatedly far below the claim. */
  Underperformance: 2,
} as const;

export function channelsDomain(chainId: number, channels: Address): TypedDataDomain {
  return { name: CHANNELS_DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: channels };
}

export function registryDomain(chainId: number, registry: Address): TypedDataDomain {
  return { name: REGISTRY_DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: registry };
}

export function deviceBudgetsDomain(chainId: number, budgets: Address): TypedDataDomain {
  return { name: DEVICE_BUDGETS_DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: budgets };
}

/** Domain of VolumeLedger (contracts/src/VolumeLedger.sol). */
export const VOLUME_DOMAIN_NAME = 'Bandex VolumeLedger';

/**
 * `RegisterChannelKey` (VolumeLedger domain): the payer's consent that the BabyJubJub key (`pubX`, `pubY`)
 * signs the volume receipts of its channel.
 */
export const registerChannelKeyTypes = {
  RegisterChannelKey: [
    { name: 'channelId', type: 'bytes32' },
    { name: 'pubX', type: 'uint256' },
    { name: 'pubY', type: 'uint256' },
  ],
} as const;

export function volumeDomain(chainId: number, volumeLedger: Address): TypedDataDomain {
  return { name: VOLUME_DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: volumeLedger };
}
