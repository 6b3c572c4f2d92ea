/**
 * Vouchers: the payer's EIP-712 signed promise of a cumulative amount on a channel, optionally
 * committing to the head of a hash chain whose preimages are per-tick payments. Encoded exactly as
 * `PaymentChannels` hashes it (types in `src/chain/typedData.ts`, digest in `voucherDigest.ts`).
 *
 * Verification is synchronous and applies the contract's own signature rule (65 bytes, v 27 or 28,
 * low s), so a voucher the payee accepts is one the contract pays. The public key is recovered by
 * libsecp256k1 compiled to WebAssembly (`tiny-secp256k1`): 0.3 ms per recovery here, against 1.6 ms
 * for `@noble/curves` (viem's pure-JS code, used before), and a payee recovers one per checkpoint.
 * (Checking later vouchers against a remembered public key with precomputed multiples was tried with
 * noble: its unsafe multiplication is wrong with precomputes, and the safe one saved under 1 ms per
 * voucher for a 4–30 ms precomputation per payer.)
 */
import { recover } from 'tiny-secp256k1';
import { type Address, getAddress, type Hex, isAddressEqual, keccak256, type LocalAccount, toHex } from 'viem';
import { channelsDomain, voucherTypes } from '../chain/typedData.ts';
import { AccountingError } from './errors.ts';
import { type ChannelsDomain, type Voucher, voucherDigest } from './voucherDigest.ts';

export type { ChannelsDomain, Voucher } from './voucherDigest.ts';
export type SignedVoucher = { voucher: Voucher; signature: Hex };

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
  // A local key signs the digest directly (the same bytes signTypedData would hash, far cheaper).
  const signature = account.sign
    ? await account.sign({ hash: toHex(voucherDigest(domain, voucher)) })
    : await account.signTypedData({
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

/** The curve order n of secp256k1, and n / 2: the contract (like OpenZeppelin's ECDSA) refuses s > n / 2. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;

type ParsedSignature = { compact: Uint8Array; recovery: 0 | 1 };

/** r ‖ s and the recovery bit of a signature the contract accepts (65 bytes, v 27/28, 0 < r < n, 0 < s ≤ n/2). */
function parseSignature(signature: Hex): ParsedSignature | undefined {
  if (typeof signature !== 'string' || signature.length !== 132 || !/^0x[0-9a-fA-F]{130}$/.test(signature))
    return undefined;
  const r = BigInt(`0x${signature.slice(2, 66)}`);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  if ((v !== 27 && v !== 28) || r === 0n || r >= N || s === 0n || s > HALF_N) return undefined;
  return { compact: Buffer.from(signature.slice(2, 130), 'hex'), recovery: v === 27 ? 0 : 1 };
}

/** The Ethereum address of an uncompressed public key (0x04 ‖ x ‖ y). */
function addressOf(publicKey: Uint8Array): Address {
  return getAddress(`0x${keccak256(publicKey.subarray(1)).slice(-40)}`);
}

/** The address that signed `voucher` for `domain` as `ecrecover` sees it; undefined for a signature the
 * contract would reject (not 65 bytes, v not 27/28, high s, no point). */
export function recoverVoucherSigner(domain: ChannelsDomain, voucher: Voucher, signature: Hex): Address | undefined {
  try {
    return recoverFromDigest(voucherDigest(domain, voucher), signature);
  } catch {
    return undefined;
  }
}

/** The address that signed a 32-byte digest, by the contract's rule (65 bytes, v 27/28, low s); undefined
 * for any signature `ecrecover` would not accept. */
export function recoverFromDigest(digest: Uint8Array, signature: Hex): Address | undefined {
  const sig = parseSignature(signature);
  if (!sig) return undefined;
  try {
    const publicKey = recover(digest, sig.compact, sig.recovery, false);
    return publicKey ? addressOf(publicKey) : undefined;
  } catch {
    return undefined; // r is not the x coordinate of a curve point
  }
}

/**
 * Checks channel, monotonic amount, deposit and signature, synchronously; throws an `AccountingError`
 * otherwise. A voucher for another chain id or contract recovers to a different address and fails as
 * `VOUCHER_BAD_SIGNATURE` (the domain is in the signed digest); so does a signature the contract would
 * refuse (high s, v not 27/28, wrong length).
 */
export function verifyVoucherSync(params: VerifyVoucherParameters): void {
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
  let digest: Uint8Array;
  try {
    digest = voucherDigest(params.domain, voucher);
  } catch (cause) {
    throw new AccountingError('VOUCHER_BAD_ANCHOR', 'voucher fields are malformed', String(cause));
  }
  const signer = recoverFromDigest(digest, signature);
  if (!signer || !isAddressEqual(signer, params.payer))
    throw new AccountingError(
      'VOUCHER_BAD_SIGNATURE',
      'voucher is not signed by the channel payer for this chain and contract',
      `recovered ${signer ?? 'nothing'}, expected ${params.payer}, in the contract's form (65 bytes, v 27 or 28, low s)`,
    );
}

/** `verifyVoucherSync`, as a promise (rejects with the same errors). */
export async function verifyVoucher(params: VerifyVoucherParameters): Promise<void> {
  verifyVoucherSync(params);
}
