/**
 * The provider's answer to session proposals, given inside the tunnel handshake (the tunnel listener's
 * `admit`: the proposal is Noise message 1's payload, the answer message 2's). Rate-limits each source
 * address, checks the chain and contract, requires the signed tunnel key to be the handshake's
 * authenticated one, recovers the payer's signature, remembers nonces until they expire, reads the
 * channel on chain, applies `admitSession`'s checks, ends the channel's live session (the newer signed
 * proposal supersedes it), and answers with what the channel owes. On accept the handshake's channel is
 * the session. A proposal that does not decode fails the handshake: the connection closes unanswered.
 */
import type { Address, Hex } from 'viem';
import { isAddressEqual } from 'viem';
import { sessionIdOf } from '../accounting/receipt.ts';
import type { ChannelsDomain } from '../accounting/voucher.ts';
import { getChannel } from '../chain/actions/getChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { RefusalCode } from '../errors/codes.ts';
import type { Logger } from '../log/logger.ts';
import { CHECK_PROPOSAL_TIMEOUT_MS, MAX_REFUSAL_REASON_LENGTH } from '../net/constants.ts';
import { decodeProposal, encodeAnswer, type SessionAnswer, type SessionProposal } from '../net/sessionMessages.ts';
import { recoverProposalSigner } from '../session/proposalSignature.ts';
import type { Admission, HandshakeSource } from '../tunnel/startTunnelListener.ts';
import { checkChannel, checkProposal, type Refusal } from './admitSession.ts';
import type { ChannelLedgers } from './ChannelLedgers.ts';
import {
  MAX_REMEMBERED_NONCES,
  MAX_TRACKED_PEERS,
  PENDING_SESSION_TTL_MS,
  PROPOSAL_BURST,
  PROPOSALS_PER_SOURCE_PER_SECOND,
} from './limits.ts';

/** An accepted proposal: its session starts as soon as the handshake completes. */
export type PendingSession = {
  channelId: Hex;
  /** `sessionIdOf(channelId, sessionNonce)`: the session's receipts name its checkpoints. */
  sessionId: Hex;
  payer: Address;
  deposit: bigint;
  redeemed: bigint;
  creditBytes: number;
  priceWeiPerGiB: bigint;
  /** The channel's priority premium (bps): the session is scheduled with more weight. */
  premiumBps: number;
};

export type SessionAdmissionParameters = {
  client: ChainClient;
  deployment: Deployment;
  provider: Address;
  priceWeiPerGiB: bigint;
  maxCreditBytes: number;
  ledgers: ChannelLedgers;
  logger: Logger;
  now?: () => number;
  /** Overrides `CHECK_PROPOSAL_TIMEOUT_MS` (tests). */
  checkTimeoutMs?: number;
};

export class SessionAdmission {
  readonly #p: SessionAdmissionParameters;
  readonly #domain: ChannelsDomain;
  /** Accepted, the handshake not yet done (counted against the payer's and the provider's limits): by session id. */
  readonly #pending = new Map<Hex, PendingSession & { expiresAt: number }>();
  /** Session nonce → when it expires (ms). */
  readonly #nonces = new Map<string, number>();
  /** Source address → token bucket (tokens, last refill ms); insertion order = least recently seen first. */
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(params: SessionAdmissionParameters) {
    this.#p = params;
    this.#domain = { chainId: params.deployment.chainId, channels: params.deployment.contracts.channels };
  }

  #now(): number {
    return (this.#p.now ?? Date.now)();
  }

  /**
   * The tunnel listener's `admit`: the answer to the proposal in `payload`.
   * @throws {SessionError} `NET_SESSION_MALFORMED`: the handshake fails and the connection closes.
   */
  readonly admit = async (
    payload: Buffer,
    remoteStatic: Buffer,
    source: HandshakeSource,
  ): Promise<Admission<PendingSession>> => {
    const proposal = decodeProposal(payload);
    const decided = await this.check(proposal, remoteStatic, source.remoteAddress).catch((error): Refusal => {
      this.#p.logger.error({ err: error }, 'the proposal check failed');
      return { ok: false, code: 'INTERNAL_ERROR', reason: 'the provider could not check the proposal' };
    });
    const answer: SessionAnswer = decided.ok
      ? { ok: true, sessionNonce: proposal.sessionNonce, sessionId: decided.session.sessionId, channel: decided.debt }
      : {
          ok: false,
          sessionNonce: proposal.sessionNonce,
          code: decided.code,
          reason: decided.reason.slice(0, MAX_REFUSAL_REASON_LENGTH),
        };
    // The previous hop's address (the client's only for hop 1) and the channel; never a destination.
    this.#p.logger.info(
      { from: source.remoteAddress, channelId: proposal.channelId, code: decided.ok ? undefined : decided.code },
      decided.ok ? 'session accepted' : 'session refused',
    );
    return { answer: Buffer.from(encodeAnswer(answer)), admitted: decided.ok ? decided.session : undefined };
  };

  /** Decides on a decoded proposal whose handshake authenticated `remoteStatic`, from `source`. */
  async check(
    proposal: SessionProposal,
    remoteStatic: Buffer,
    source: string,
  ): Promise<Refusal | { ok: true; session: PendingSession; debt: ReturnType<ChannelLedgers['debt']> }> {
    const now = this.#now();
    this.#prune(now);
    if (!this.#take(source, now)) return refuse('PROPOSAL_RATE_LIMITED', 'too many proposals; wait a second');
    if (proposal.chainId !== this.#domain.chainId)
      return refuse('WRONG_CHAIN', `this provider settles on chain ${this.#domain.chainId}`);
    if (!isAddressEqual(proposal.channels, this.#domain.channels))
      return refuse('WRONG_CONTRACT', `this provider is paid through ${this.#domain.channels}`);
    if (proposal.clientTunnelKey !== remoteStatic.toString('base64'))
      return refuse('TUNNEL_KEY_MISMATCH', 'the proposal names another tunnel key than this handshake’s');
    if (this.#nonces.size >= MAX_REMEMBERED_NONCES)
      return refuse('PROVIDER_BUSY', 'too many recent proposals; try again shortly');
    const signer = recoverProposalSigner(
      this.#domain,
      {
        channelId: proposal.channelId,
        provider: this.#p.provider,
        clientTunnelKey: proposal.clientTunnelKey,
        sessionNonce: proposal.sessionNonce,
        expiry: proposal.expiry,
      },
      proposal.signature,
    );
    const early = checkProposal({
      proposal,
      signer,
      nowSeconds: Math.floor(now / 1000),
      nonceSeen: this.#nonces.has(proposal.sessionNonce),
      maxCreditBytes: this.#p.maxCreditBytes,
    });
    if (early) return early;
    // Signed and fresh: the nonce is spent whatever the chain says next.
    this.#nonces.set(proposal.sessionNonce, proposal.expiry * 1000);
    const timeout = AbortSignal.timeout(this.#p.checkTimeoutMs ?? CHECK_PROPOSAL_TIMEOUT_MS);
    const channel = await raceAbort(
      getChannel(this.#p.client, { deployment: this.#p.deployment, channelId: proposal.channelId }),
      timeout,
    ).catch((error: unknown) => {
      if (timeout.aborted) return undefined;
      throw error;
    });
    if (!channel) return refuse('CHECK_TIMEOUT', 'the channel check timed out; retry later');
    const { ledgers } = this.#p;
    const admitted = checkChannel({
      proposal,
      channel,
      provider: this.#p.provider,
      priceWeiPerGiB: this.#p.priceWeiPerGiB,
      knownClosing: ledgers.isClosing(proposal.channelId),
      payerSessions:
        ledgers.liveSessionsOf(proposal.payer, proposal.channelId) +
        this.#pendingOf(proposal.payer, proposal.channelId),
      totalSessions: ledgers.liveSessions + this.#pending.size,
    });
    if (!admitted.ok) return admitted;
    // One session per channel: this signed proposal replaces the channel's live or pending one, so what
    // the channel owes stops moving before it is told.
    ledgers.supersede(proposal.channelId);
    for (const [key, entry] of this.#pending) if (entry.channelId === proposal.channelId) this.#pending.delete(key);
    const session: PendingSession = {
      channelId: proposal.channelId,
      sessionId: sessionIdOf(proposal.channelId, proposal.sessionNonce),
      payer: channel.payer,
      deposit: channel.deposit,
      redeemed: channel.redeemed,
      creditBytes: proposal.creditBytes,
      priceWeiPerGiB: admitted.priceWeiPerGiB,
      premiumBps: admitted.premiumBps,
    };
    this.#pending.set(session.sessionId, { ...session, expiresAt: now + PENDING_SESSION_TTL_MS });
    return { ok: true, session, debt: ledgers.debt(proposal.channelId) };
  }

  /** The admitted session's handshake completed and its session is charged: no longer pending. */
  started(session: PendingSession): void {
    this.#pending.delete(session.sessionId);
  }

  #pendingOf(payer: Address, except: Hex): number {
    let n = 0;
    for (const entry of this.#pending.values())
      if (entry.payer.toLowerCase() === payer.toLowerCase() && entry.channelId !== except) n++;
    return n;
  }

  /** A token from `source`'s bucket, or false when it is empty. */
  #take(source: string, now: number): boolean {
    const bucket = this.#buckets.get(source) ?? { tokens: PROPOSAL_BURST, at: now };
    this.#buckets.delete(source); // re-inserted last: most recently seen
    bucket.tokens = Math.min(
      PROPOSAL_BURST,
      bucket.tokens + ((now - bucket.at) / 1000) * PROPOSALS_PER_SOURCE_PER_SECOND,
    );
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(source, bucket);
    while (this.#buckets.size > MAX_TRACKED_PEERS) this.#buckets.delete(this.#buckets.keys().next().value as string);
    return allowed;
  }

  #prune(now: number): void {
    for (const [key, entry] of this.#pending) if (entry.expiresAt <= now) this.#pending.delete(key);
    // Nonces expire in insertion order only roughly (expiries differ): a full scan, but only when many.
    if (this.#nonces.size > MAX_REMEMBERED_NONCES / 2)
      for (const [nonce, expiresAt] of this.#nonces) if (expiresAt <= now) this.#nonces.delete(nonce);
  }
}

function refuse(code: RefusalCode, reason: string): Refusal {
  return { ok: false, code, reason };
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
