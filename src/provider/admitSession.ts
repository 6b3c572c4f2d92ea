/**
 * Where sessions are refused (pure). A proposal is admitted only if it is signed by its channel's payer
 * for this provider, fresh and never seen, asks for a credit window the provider grants, and names an
 * open channel on chain that pays this provider, at its price, with deposit left, for a payer with
 * session slots left. Two stages, so the cheap checks run before the chain is asked:
 * `checkProposal` (signature, expiry, replay, credit) and `checkChannel` (the on-chain channel and the
 * provider's own limits). Each refusal is a typed code the client surfaces
 * (`docs/protocol.md`, "Session proposal: what the provider checks").
 */
import { type Address, isAddressEqual } from 'viem';
import { TICK_BYTES } from '../accounting/constants.ts';
import { premiumPrice, tickValueFor } from '../accounting/price.ts';
import type { GetChannelReturnType } from '../chain/actions/getChannel.ts';
import type { RefusalCode } from '../errors/codes.ts';
import type { SessionProposal } from '../net/sessionMessages.ts';
import { MAX_PROPOSAL_LIFETIME_S, MAX_SESSIONS, MAX_SESSIONS_PER_PAYER } from './limits.ts';

export type Refusal = { ok: false; code: RefusalCode; reason: string };

const refuse = (code: RefusalCode, reason: string): Refusal => ({ ok: false, code, reason });

export type ProposalFacts = {
  proposal: SessionProposal;
  /** Who signed the proposal (undefined: the signature is malformed). */
  signer: Address | undefined;
  nowSeconds: number;
  /** True when this session nonce was seen before (and has not expired). */
  nonceSeen: boolean;
  maxCreditBytes: number;
};

/** The checks that need neither the chain nor the provider's sessions. */
export function checkProposal({
  proposal,
  signer,
  nowSeconds,
  nonceSeen,
  maxCreditBytes,
}: ProposalFacts): Refusal | undefined {
  if (proposal.expiry <= nowSeconds) return refuse('PROPOSAL_EXPIRED', 'the proposal has expired; sign a new one');
  if (proposal.expiry > nowSeconds + MAX_PROPOSAL_LIFETIME_S)
    return refuse('PROPOSAL_EXPIRED', `a proposal may expire at most ${MAX_PROPOSAL_LIFETIME_S} s ahead`);
  if (!signer || !isAddressEqual(signer, proposal.payer))
    return refuse('PROPOSAL_BAD_SIGNATURE', 'the proposal is not signed by its payer for this provider');
  if (nonceSeen) return refuse('PROPOSAL_REPLAYED', 'this session nonce was already used; propose with a fresh one');
  if (proposal.creditBytes < TICK_BYTES || proposal.creditBytes > maxCreditBytes)
    return refuse('CREDIT_OUT_OF_RANGE', `credit must be ${TICK_BYTES} to ${maxCreditBytes} bytes`);
  return undefined;
}

export type ChannelFacts = {
  proposal: SessionProposal;
  /** The channel as the chain has it now. */
  channel: GetChannelReturnType;
  provider: Address;
  priceWeiPerGiB: bigint;
  /** The channel started closing on chain (from the watcher: may be ahead of a lagging RPC read). */
  knownClosing: boolean;
  /** Sessions live or pending for this payer, and for everyone. */
  payerSessions: number;
  totalSessions: number;
};

/** The price a session on this channel pays (its priority premium included), once admitted. */
export type Admitted = { ok: true; priceWeiPerGiB: bigint; premiumBps: number };

/** The checks on the channel and the provider's capacity for sessions. */
export function checkChannel(facts: ChannelFacts): Admitted | Refusal {
  const { proposal, channel, provider } = facts;
  if (channel.deposit === 0n) return refuse('UNKNOWN_CHANNEL', 'no open channel with this id');
  if (!isAddressEqual(channel.payee, provider)) return refuse('WRONG_PAYEE', 'the channel does not pay this provider');
  if (!isAddressEqual(channel.payer, proposal.payer)) return refuse('WRONG_PAYER', 'the channel has another payer');
  if (channel.closesAt !== 0n || facts.knownClosing)
    return refuse('CHANNEL_CLOSING', 'the channel is closing; open a new one');
  // A channel with a priority premium pays the premium price on every byte.
  const price = premiumPrice(facts.priceWeiPerGiB, channel.premiumBps);
  if (proposal.priceWeiPerGiB !== price)
    return refuse('WRONG_PRICE', `this provider charges ${price} wei per GiB on this channel`);
  if (proposal.tickValue !== tickValueFor(price))
    return refuse('WRONG_TICK_VALUE', `a tick is worth ${tickValueFor(price)} wei at this price`);
  if (channel.redeemed + tickValueFor(price) > channel.deposit)
    return refuse('CHANNEL_EXHAUSTED', 'the channel has no deposit left; top it up');
  if (facts.payerSessions >= MAX_SESSIONS_PER_PAYER)
    return refuse('PAYER_SESSION_LIMIT', `at most ${MAX_SESSIONS_PER_PAYER} sessions per payer; close one first`);
  if (facts.totalSessions >= MAX_SESSIONS) return refuse('PROVIDER_BUSY', 'the provider is full; try another');
  return { ok: true, priceWeiPerGiB: price, premiumBps: Number(channel.premiumBps) };
}
