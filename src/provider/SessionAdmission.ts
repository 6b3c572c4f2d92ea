/**
 * The provider's answer to session proposals (the `checkProposal` of `net/SessionServer`): rate-limits
 * each peer, recovers the payer's signature, remembers nonces until they expire, reads the channel on
 * chain, applies `admitSession`'s checks, ends the channel's live session (the newer signed proposal
 * supersedes it), and answers with what the channel owes. An accepted proposal waits, keyed by the
 * client's tunnel key, for its tunnel connection (`take`), at most `PENDING_SESSION_TTL_MS`.
 */
import type { Address, Hex } from 'viem';
import { sessionIdOf } from '../accounting/receipt.ts';
import type { ChannelsDomain } from '../accounting/voucher.ts';
import { getChannel } from '../chain/actions/getChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { Logger } from '../log/logger.ts';
import type { CheckProposal, CheckProposalResult } from '../net/SessionServer.ts';
import type { SessionTunnel } from '../net/sessionMessages.ts';
import { recoverProposalSigner } from '../session/proposalSignature.ts';
import { checkChannel, checkProposal } from './admitSession.ts';
import type { ChannelLedgers } from './ChannelLedgers.ts';
import {
  MAX_REMEMBERED_NONCES,
  MAX_TRACKED_PEERS,
  PENDING_SESSION_TTL_MS,
  PROPOSAL_BURST,
  PROPOSALS_PER_PEER_PER_SECOND,
} from './limits.ts';

/** An accepted proposal, waiting for its tunnel connection. */
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
  expiresAt: number;
};

export type SessionAdmissionParameters = {
  client: ChainClient;
  deployment: Deployment;
  provider: Address;
  priceWeiPerGiB: bigint;
  maxCreditBytes: number;
  ledgers: ChannelLedgers;
  /** Where accepted clients connect (known once the tunnel listens). */
  tunnel: () => SessionTunnel;
  logger: Logger;
  now?: () => number;
};

export class SessionAdmission {
  readonly #p: SessionAdmissionParameters;
  readonly #domain: ChannelsDomain;
  /** By client tunnel key (base64). */
  readonly #pending = new Map<string, PendingSession>();
  /** Session nonce → when it expires (ms). */
  readonly #nonces = new Map<string, number>();
  /** Peer id → token bucket (tokens, last refill ms); insertion order = least recently seen first. */
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(params: SessionAdmissionParameters) {
    this.#p = params;
    this.#domain = { chainId: params.deployment.chainId, channels: params.deployment.contracts.channels };
  }

  #now(): number {
    return (this.#p.now ?? Date.now)();
  }

  readonly check: CheckProposal = async (proposal, { remotePeer }): Promise<CheckProposalResult> => {
    const now = this.#now();
    this.#prune(now);
    if (!this.#take(remotePeer, now))
      return { ok: false, code: 'PROPOSAL_RATE_LIMITED', reason: 'too many proposals; wait a second' };
    if (this.#nonces.size >= MAX_REMEMBERED_NONCES)
      return { ok: false, code: 'PROVIDER_BUSY', reason: 'too many recent proposals; try again shortly' };
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
    const channel = await getChannel(this.#p.client, { deployment: this.#p.deployment, channelId: proposal.channelId });
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
    const sessionId = sessionIdOf(proposal.channelId, proposal.sessionNonce);
    this.#pending.set(proposal.clientTunnelKey, {
      channelId: proposal.channelId,
      sessionId,
      payer: channel.payer,
      deposit: channel.deposit,
      redeemed: channel.redeemed,
      creditBytes: proposal.creditBytes,
      priceWeiPerGiB: admitted.priceWeiPerGiB,
      premiumBps: admitted.premiumBps,
      expiresAt: now + PENDING_SESSION_TTL_MS,
    });
    return {
      ok: true,
      sessionId,
      tunnel: this.#p.tunnel(),
      channel: ledgers.debt(proposal.channelId),
    };
  };

  /** True when a tunnel connection from `key` has an accepted proposal waiting. */
  isPending(key: Buffer): boolean {
    const entry = this.#pending.get(key.toString('base64'));
    return entry !== undefined && entry.expiresAt > this.#now();
  }

  /** The accepted proposal for `key`, once: one proposal, one session. */
  take(key: Buffer): PendingSession | undefined {
    const id = key.toString('base64');
    const entry = this.#pending.get(id);
    this.#pending.delete(id);
    return entry !== undefined && entry.expiresAt > this.#now() ? entry : undefined;
  }

  #pendingOf(payer: Address, except: Hex): number {
    let n = 0;
    for (const entry of this.#pending.values())
      if (entry.payer.toLowerCase() === payer.toLowerCase() && entry.channelId !== except) n++;
    return n;
  }

  /** A token from `peer`'s bucket, or false when it is empty. */
  #take(peer: string, now: number): boolean {
    const bucket = this.#buckets.get(peer) ?? { tokens: PROPOSAL_BURST, at: now };
    this.#buckets.delete(peer); // re-inserted last: most recently seen
    bucket.tokens = Math.min(
      PROPOSAL_BURST,
      bucket.tokens + ((now - bucket.at) / 1000) * PROPOSALS_PER_PEER_PER_SECOND,
    );
    bucket.at = now;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.set(peer, bucket);
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
