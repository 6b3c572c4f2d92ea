/**
 * Vouchers: the payer's EIP-712 signed promise of a cumulative amount on a channel, optionally
 * committing to the head of a hash chain whose preimages are per-tick payments. Encoded exactly as
 * `PaymentChannels` hashes it (types in `src/chain/typedData.ts`).
 */
import { type Address, type Hex, isAddressEqual, type LocalAccount, recoverTypedDataAddress } from 'viem';
import { channelsDomain, voucherTypes } from '../chain/typedData.ts';
import { AccountingError } from './errors.ts';

export type Voucher = { channelId: Hex; amount: bigint; tickAnchor: Hex; tickValue: bigint };
export type SignedVoucher = { voucher: Voucher; signature: Hex };
/** Where a voucher is valid: one chain, one PaymentChannels contract. */
export type ChannelsDomain = { chainId: number; channels: Address };

export const NO_TICKS: Hex = `0x${'00'.repeat(32)}`;

/**
 * @example
 * const signed = await signVoucher(account, { chainId: 31337, channels }, { channelId, amount: 10n ** 18n, tickAnchor: NO_TICKS, tickValue: 0n });
 */
export async function signVoucher(
  account: LocalAccount,
  domain: ChannelsDomain,
  voucher: Voucher,
): Promise<SignedVoucher> {
  const signature = await account.signTypedData({
    domain: channelsDomain(domain.chainId, domain.channels),
    types: voucherTypes,
    primaryType: 'Voucher',
    message: voucher,
  });
  return { voucher, signature };
}

export type VerifyVoucherParameters = {
  signed: SignedVoucher;
  /** The domain the verifier settles on; a voucher signed for another chain or contract fails here. */
  domain: ChannelsDomain;
  channelId: Hex;
  payer: Address;
  deposit: bigint;
  /** The highest amount accepted so far on this channel: a new voucher must not go below it. */
  previousAmount: bigint;
};

/**
 * Checks signature, channel, monotonic amount and deposit; throws an `AccountingError` otherwise.
 * A voucher for another chain id or contract recovers to a different address and fails as
 * `VOUCHER_BAD_SIGNATURE` (the domain is in the signed digest).
 */
export async function verifyVoucher(params: VerifyVoucherParameters): Promise<void> {
  const { voucher, signature } = params.signed;
  if (voucher.channelId.toLowerCase() !== params.channelId.toLowerCase())
    throw new AccountingError(
      'VOUCHER_WRONG_CHANNEL',
      `voucher is for channel ${voucher.channelId}`,
      `expected ${params.channelId}`,
    );
  if (voucher.amount < params.previousAmount)
    throw new AccountingError(
      'VOUCHER_DECREASING',
      `voucher amount ${voucher.amount} is below the ${params.previousAmount} already promised`,
      'a stale or replayed voucher; keep the newer one',
    );
  if (voucher.amount > params.deposit)
    throw new AccountingError(
      'VOUCHER_OVER_DEPOSIT',
      `voucher amount ${voucher.amount} exceeds the deposit ${params.deposit}`,
      'the payer must top up the channel before promising more',
    );
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({
      domain: channelsDomain(params.domain.chainId, params.domain.channels),
      types: voucherTypes,
      primaryType: 'Voucher',
      message: voucher,
      signature,
    });
  } catch (cause) {
    throw new AccountingError('VOUCHER_BAD_SIGNATURE', 'voucher signature is malformed', String(cause));
  }
  if (!isAddressEqual(signer, params.payer))
    throw new AccountingError(
      'VOUCHER_BAD_SIGNATURE',
      'voucher is not signed by the channel payer for this chain and contract',
      `recovered ${signer}, expected ${params.payer}`,
    );
}
