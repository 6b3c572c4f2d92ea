/**
 * The provider's one ledger per channel (issue 14): a `PayeeChannel` per channel, loaded from the store
 * the first time the channel is proposed (its best claim and the bytes served over its life), shared by
 * every session of that channel — one live session at a time: a newer session, authorised by a newer
 * signed proposal, supersedes the older one, which ends before the newer one is answered, so what the
 * channel owes is frozen when the provider tells the client. It also follows the channel's life on chain
 * (the watcher's events): a channel that starts closing ends its session and gets no more credit; a
 * top-up raises the deposit its vouchers may reach.
 */
import type { Address, Hex } from 'viem';
import { type Claim, PayeeChannel } from '../accounting/PayeeChannel.ts';
import type { ChannelsDomain } from '../accounting/voucher.ts';
import type { Logger } from '../log/logger.ts';
import type { ChannelClaimView, ChannelDebt } from '../net/sessionMessages.ts';
import { type ChargedSession, SessionPaymentError } from '../session/chargeSession.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import type { ChannelEvent } from '../watcher/ChannelWatcher.ts';

/** Ledgers kept in memory at once; idle ones beyond it are dropped (everything they hold is on disk). */
const MAX_CACHED_LEDGERS = 4_096;

export type LedgerTerms = {
  payer: Address;
  deposit: bigint;
  /** Redeemed on chain so far: no opening voucher may go below it. */
  redeemed: bigint;
  priceWeiPerGiB: bigint;
  creditBytes: number;
};

export type ChannelLedgersParameters = {
  store: ChannelStore;
  domain: ChannelsDomain;
  /** This provider: the payee of every channel here. */
  provider: Address;
  logger: Logger;
};

export class ChannelLedgers {
  readonly #p: ChannelLedgersParameters;
  readonly #ledgers = new Map<Hex, PayeeChannel>();
  readonly #live = new Map<Hex, ChargedSession>();
  readonly #closing = new Set<Hex>();

  constructor(params: ChannelLedgersParameters) {
    this.#p = params;
  }

  /** The channel's ledger (loaded from the store the first time), brought up to date with `terms`. */
  ledger(channelId: Hex, terms: LedgerTerms): PayeeChannel {
    const id = channelId.toLowerCase() as Hex;
    let ledger = this.#ledgers.get(id);
    if (!ledger) {
      this.#evictIdle();
      this.#p.store.saveChannel({
        channelId: id,
        role: 'payee',
        chainId: this.#p.domain.chainId,
        contract: this.#p.domain.channels,
        payer: terms.payer,
        payee: this.#p.provider,
        deposit: terms.deposit,
      });
      ledger = new PayeeChannel({
        domain: this.#p.domain,
        channelId: id,
        payer: terms.payer,
        deposit: terms.deposit,
        priceWeiPerGiB: terms.priceWeiPerGiB,
        creditBytes: terms.creditBytes,
        restored: {
          servedBytes: this.#p.store.servedBytes(id),
          claimValue: this.#p.store.latestClaim(id)?.value ?? 0n,
        },
      });
      if (this.isClosing(id)) ledger.markClosing();
      this.#ledgers.set(id, ledger);
    }
    ledger.toppedUp(terms.deposit);
    ledger.raiseFloor(terms.redeemed);
    return ledger;
  }

  /** What the channel owes, for the answer to a proposal: its bytes served and the best claim on disk. */
  debt(channelId: Hex): ChannelDebt {
    const id = channelId.toLowerCase() as Hex;
    const ledger = this.#ledgers.get(id);
    const claim = this.#p.store.latestClaim(id);
    return {
      servedBytes: ledger?.bytesServed ?? this.#p.store.servedBytes(id),
      claim: claim ? claimView(claim) : null,
    };
  }

  /** True once the chain said the channel is closing (or closed), or this provider co-signed its close. */
  isClosing(channelId: Hex): boolean {
    const id = channelId.toLowerCase() as Hex;
    return this.#closing.has(id) || this.#p.store.getMeta(cooperativeCloseKey(id)) !== undefined;
  }

  /**
   * This provider co-signed the channel's cooperative close (saved under `cooperativeCloseKey` first): no
   * more credit on it, to this session or any later one, though the session itself may still say goodbye.
   */
  closedCooperatively(channelId: Hex): void {
    const id = channelId.toLowerCase() as Hex;
    this.#closing.add(id);
    this.#ledgers.get(id)?.markClosing();
  }

  /** Ends the channel's live session, if any: a newer signed proposal for the channel takes its place. */
  supersede(channelId: Hex): void {
    this.#live.get(channelId.toLowerCase() as Hex)?.end(
      new SessionPaymentError('a newer session on this channel replaced this one', {
        code: 'SESSION_SUPERSEDED',
        details: 'one session per channel: go on with the newer session, or open another channel for a second',
      }),
    );
  }

  /** Records the channel's live session (superseding any other); it is forgotten when it closes. */
  attach(channelId: Hex, charged: ChargedSession): void {
    const id = channelId.toLowerCase() as Hex;
    this.supersede(id);
    this.#live.set(id, charged);
  }

  detach(channelId: Hex, charged: ChargedSession): void {
    const id = channelId.toLowerCase() as Hex;
    if (this.#live.get(id) === charged) this.#live.delete(id);
  }

  /** Live sessions of `payer`, but the one on `except` (about to be superseded). */
  liveSessionsOf(payer: Address, except: Hex): number {
    let n = 0;
    for (const [id, charged] of this.#live)
      if (id !== except.toLowerCase() && charged.payee.payer.toLowerCase() === payer.toLowerCase()) n++;
    return n;
  }

  get liveSessions(): number {
    return this.#live.size;
  }

  /** The watcher saw `event` on chain. */
  onChannelEvent(event: ChannelEvent): void {
    const id = event.channelId.toLowerCase() as Hex;
    const ledger = this.#ledgers.get(id);
    if (event.kind === 'toppedUp') {
      ledger?.toppedUp(event.deposit);
      return;
    }
    if (event.kind === 'redeemed') {
      ledger?.raiseFloor(event.redeemed);
      return;
    }
    // Closing or closed: no more credit to anyone on this channel. Only channels this provider knows are
    // remembered (anyone can close channels of their own; a proposal for one is refused on chain anyway).
    if (!ledger && !this.#p.store.getChannel(id)) return;
    this.#closing.add(id);
    ledger?.markClosing();
    const live = this.#live.get(id);
    if (live) {
      this.#p.logger.info({ channelId: id }, 'the channel is closing on chain: ending its session');
      live.end(
        new SessionPaymentError('the channel started closing on chain', {
          code: 'SESSION_CHANNEL_CLOSING',
          details: 'open a new channel to go on',
        }),
      );
    }
  }

  #evictIdle(): void {
    if (this.#ledgers.size < MAX_CACHED_LEDGERS) return;
    for (const [id] of this.#ledgers) {
      if (this.#live.has(id)) continue;
      this.#ledgers.delete(id);
      if (this.#ledgers.size < MAX_CACHED_LEDGERS / 2) return;
    }
  }
}

function claimView(claim: Claim): ChannelClaimView {
  const { voucher, signature } = claim.signed;
  return {
    amount: voucher.amount,
    tickAnchor: voucher.tickAnchor,
    tickValue: voucher.tickValue,
    signature,
    preimage: claim.preimage,
    ticks: claim.ticks,
  };
}

/** Where a co-signed cooperative close is kept until it is on chain (`CooperativeCloser`). */
export function cooperativeCloseKey(channelId: Hex): string {
  return `${COOPERATIVE_CLOSE_PREFIX}${channelId.toLowerCase()}`;
}
export const COOPERATIVE_CLOSE_PREFIX = 'payee.cooperativeClose.';
