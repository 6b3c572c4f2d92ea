/**
 * The public input that binds a spend proof to the channel it funds — `ShieldedPool.bindingOf`, computed
 * off chain: keccak256 of the ABI encoding of (chain id, pool, PaymentChannels, payer key, payee, amount,
 * premium, refund note key), reduced modulo the SNARK field. Change any of them and the proof fails.
 */
import { type Address, encodeAbiParameters, keccak256 } from 'viem';
import { SNARK_SCALAR_FIELD } from './constants.ts';

export type ChannelRequest = {
  /** The one-time key that signs the channel's vouchers. */
  payer: Address;
  payee: Address;
  /** RBT wei paid from the note into the channel. */
  amount: bigint;
  premiumBps: bigint;
  /** The key of the note the channel's unspent rest becomes. */
  refundKey: bigint;
};

export type BindingContext = { chainId: bigint; pool: Address; channels: Address };

export function bindingOf(context: BindingContext, request: ChannelRequest): bigint {
  const encoded = encodeAbiParameters(
    [
      { type: 'uint256' },
      { type: 'address' },
      { type: 'address' },
      { type: 'address' },
      { type: 'address' },
      { type: 'uint256' },
      { type: 'uint256' },
      { type: 'uint256' },
    ],
    [
      context.chainId,
      context.pool,
      context.channels,
      request.payer,
      request.payee,
      request.amount,
      request.premiumBps,
      request.refundKey,
    ],
  );
  return BigInt(keccak256(encoded)) % SNARK_SCALAR_FIELD;
}
