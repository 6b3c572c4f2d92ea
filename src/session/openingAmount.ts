/**
 * What a client promises in a session's opening voucher, from what the provider says the channel owes
 * (pure). The provider's answer carries the best claim it holds — a voucher this payer signed and the
 * ticks revealed since, which the client checks itself (its own signature, the hash chain) — and the
 * bytes served over the channel's life, which it cannot check. So: the claim is paid in full (the client
 * provably promised it, e.g. before a crash lost its own record), and the unprovable rest (bytes served
 * but unpaid when the last session ended) at most one credit window — what either side may lose by the
 * protocol anyway. A provider asking for more is cheating: `CLIENT_PROVIDER_OVERCLAIM`.
 */
import { type Address, type Hex, isAddressEqual } from 'viem';
import { MAX_TICKS_PER_REDEEM, TICK_BYTES } from '../accounting/constants.ts';
import { sha256 } from '../accounting/hashChain.ts';
import { type ChannelsDomain, recoverVoucherSigner } from '../accounting/voucher.ts';
import { BaseError } from '../errors/BaseError.ts';
import type { ChannelDebt } from '../net/sessionMessages.ts';

export class OpeningAmountError extends BaseError<Record<string, unknown>> {
  override name = 'OpeningAmountError';
}

export type OpeningAmountParameters = {
  domain: ChannelsDomain;
  channelId: Hex;
  /** This client: the channel's payer. */
  payer: Address;
  deposit: bigint;
  tickValue: bigint;
  creditBytes: number;
  /** What this client's own records say it promised on the channel. */
  promised: bigint;
  debt: ChannelDebt;
};

/** The opening voucher's amount; throws `OpeningAmountError` when the provider's figures are not credible. */
export function openingAmount(p: OpeningAmountParameters): bigint {
  const whole = (bytes: number) => BigInt(Math.ceil(bytes / TICK_BYTES)) * p.tickValue;
  let proven = p.promised;
  const claim = p.debt.claim;
  if (claim) {
    const signer = recoverVoucherSigner(
      p.domain,
      { channelId: p.channelId, amount: claim.amount, tickAnchor: claim.tickAnchor, tickValue: claim.tickValue },
      claim.signature,
    );
    if (!signer || !isAddressEqual(signer, p.payer) || !extendsChain(claim.preimage, claim.tickAnchor, claim.ticks))
      throw overclaim('the claim the provider holds is not one this payer signed and paid ticks on');
    let value = claim.amount + BigInt(claim.ticks) * claim.tickValue;
    if (value > p.deposit) value = p.deposit;
    if (value > proven) proven = value;
  }
  const forServed = whole(p.debt.servedBytes);
  if (forServed <= proven) return proven;
  if (forServed > proven + whole(p.creditBytes))
    throw overclaim(
      `the provider says it served ${p.debt.servedBytes} bytes, more than was paid plus one credit window`,
    );
  return forServed > p.deposit ? p.deposit : forServed;
}

function extendsChain(preimage: Hex, anchor: Hex, ticks: number): boolean {
  if (ticks === 0) return true; // the voucher alone: no preimage to check
  if (ticks > MAX_TICKS_PER_REDEEM) return false;
  let x: Buffer = Buffer.from(preimage.slice(2), 'hex');
  for (let i = 0; i < ticks; i++) x = sha256(x);
  return `0x${x.toString('hex')}` === anchor.toLowerCase();
}

function overclaim(details: string): OpeningAmountError {
  return new OpeningAmountError('the provider claims more than this client owes it', {
    code: 'CLIENT_PROVIDER_OVERCLAIM',
    details,
  });
}
