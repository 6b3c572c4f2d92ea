/**
 * The client's path lifecycle: which path new connections go through, and when it is given up. The
 * first connection (or `ensurePath`) waits for offers, picks providers (`selectPath`: price,
 * reputation, the client's own round trips, region policy) and builds the path paid
 * (`createPathBuilder`); concurrent callers share that one build.
 *
 * Failover: every `PING_INTERVAL_MS` each hop of the path is pinged through the tunnel (a hop's PING
 * crosses every hop before it). A path whose pings go unanswered for `STALL_TIMEOUT_MS`, and that delivered
 * less than `STALL_MIN_PROGRESS_BYTES` meanwhile (a PONG queued behind a slow download is late, not lost), has stalled:
 * the first silent hop gets a bad mark in the client's own measurements (which alone puts it below
 * the selection threshold), the path is closed, and the next connection builds a new one through the
 * next-best providers — nothing is paid to the stalled hop for bytes it did not carry. A hop whose
 * audited reputation falls below the threshold is retired too: new connections go to a new path at
 * once, the old one closes when its last stream ends.
 *
 * Throttling (`watchThrottling`): hop 1's transport throttled far below its provider's capacity is marked
 * blocked for that provider and the path is retired the same way, if another transport is left to try:
 * the next path reaches the same provider, on the same channel, over that transport. Its proposal ends the
 * throttled session at the provider (one live session per channel), so streams still on the old path end
 * when a new connection builds the new path, or after `THROTTLE_GRACE_MS` at the latest.
 */
import type { Address } from 'viem';
import type { Telemetry } from '../api/telemetry.ts';
import type { Component } from '../daemon/component.ts';
import { codeOf } from '../errors/codeOf.ts';
import type { Logger } from '../log/logger.ts';
import type { SignedOffer } from '../net/offer.ts';
import { locatedRegions } from '../reputation/locateOffers.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import { measuredCapacity, SELECTION_THRESHOLD } from '../reputation/reputation.ts';
import {
  type BuiltHop,
  type BuiltPath,
  createPathBuilder,
  type PathBuilder,
  type PathBuilderParameters,
} from '../session/buildPath.ts';
import type { OpenTunnelFlow, OpenTunnelStream } from '../tunnel/frontTypes.ts';
import { ClientError } from './ClientError.ts';
import { type RegionPolicy, selectPath } from './selectPath.ts';
import type { ThrottleVerdict } from './throttleDetector.ts';
import { watchThrottling } from './watchThrottling.ts';

/** How often each hop of the path is pinged through the tunnel. */
export const PING_INTERVAL_MS = 2_000;
/** A path that answers no PING for this long has stalled. */
export const STALL_TIMEOUT_MS = 5_000;
/**
 * What a path must deliver while its PONGs are late to count as alive (they wait behind a queue): 64 KiB in
 * `STALL_TIMEOUT_MS` (13 KB/s), far below a throttled download (200 KB/s), far above a hop that drips bytes
 * to keep a client it no longer serves.
 */
export const STALL_MIN_PROGRESS_BYTES = 64 * 1024;
/**
 * How long streams on a throttled path may still finish there when no new connection comes first: a page
 * at the throttled rate, not a download (that one resumes over the new transport, which is faster).
 */
export const THROTTLE_GRACE_MS = 5_000;

export type PathManagerParameters = {
  /** Providers per path, 1 to 3. */
  hops: number;
  /** Providers to use first, in path order (otherwise the best ranked). */
  prefer?: Address[];
  regions?: RegionPolicy;
  /** How channels are opened and hops paid (`onBlocked` is the manager's own). */
  builder: Omit<PathBuilderParameters, 'onBlocked'>;
  /** Offers to choose from, once there are enough for `hops` (`waitForOffers`). */
  offers(): Promise<SignedOffer[]>;
  /**
   * Called with a path's providers before it is built: the client's libp2p node then keeps away from
   * every hop but the entry (`startClient`), so no later hop sees the client's address or peer id.
   */
  onPathChosen?: (offers: readonly SignedOffer[]) => void | Promise<void>;
  /** Auditors' reports and the client's own observations of providers. */
  book: ReputationBook;
  telemetry: Telemetry;
  logger: Logger;
};

/**
 * Bytes of the paths closed so far, money promised over every path (live ones included), and how many paths
 * were built or given up.
 */
export type PathTotals = { bytesDown: number; bytesUp: number; paidWei: bigint; sessions: number; failovers: number };

/**
 * What one channel was promised over this client's paths: from what it had been promised when the first of
 * them started to the most any of them has promised since. Per channel, not per path: a new path to the same
 * provider (a transport switch) may start while the old one has not persisted its last payments, and its
 * opening voucher covers them again — counted per path they would be counted twice.
 */
type ChannelSpend = { start: bigint; top: bigint; live: Set<BuiltHop> };

export class PathManager implements Component {
  readonly #p: PathManagerParameters;
  readonly #builder: PathBuilder;
  /** The client's own round-trip measurements (EWMA of PINGs through hop 1 … hop i), ms. */
  readonly #rttMs = new Map<string, number>();
  /** Paths replaced by a better one, closed once their last stream ends. */
  readonly #retiring = new Set<BuiltPath>();
  /** Paths given up because a hop stopped answering. */
  readonly #stalled = new WeakSet<BuiltPath>();
  readonly #totals: PathTotals = { bytesDown: 0, bytesUp: 0, paidWei: 0n, sessions: 0, failovers: 0 };
  readonly #spend = new Map<string, ChannelSpend>();
  #current: BuiltPath | undefined;
  #building: Promise<BuiltPath> | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #pinging = false;
  #stopped = false;
  readonly #counted = new WeakSet<BuiltPath>();
  /** Paths whose hop-1 transport was found throttled, and the timer that ends their grace. */
  readonly #throttled = new Map<BuiltPath, NodeJS.Timeout>();
  #blocked: string | undefined;

  constructor(params: PathManagerParameters) {
    this.#p = params;
    this.#builder = createPathBuilder({
      ...params.builder,
      onBlocked: (reason) => {
        this.#blocked = reason.message;
        params.telemetry.countError(codeOf(reason));
      },
    });
  }

  /** The path new connections use, if one is built. */
  get current(): BuiltPath | undefined {
    return this.#current;
  }

  get totals(): Readonly<PathTotals> {
    let paidWei = 0n;
    for (const { start, top, live } of this.#spend.values()) {
      let most = top;
      for (const h of live) if (h.paid.payer.promised > most) most = h.paid.payer.promised;
      paidWei += most - start;
    }
    return { ...this.#totals, paidWei };
  }

  /** Why payment is blocked (deposit or budget exhausted), if it is. */
  get blocked(): string | undefined {
    return this.#blocked;
  }

  start(): void {
    this.#watchdog = setInterval(() => this.#watch(), PING_INTERVAL_MS);
    this.#watchdog.unref();
    this.#p.book.on('report', this.#onReport);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#watchdog);
    for (const timer of this.#throttled.values()) clearTimeout(timer);
    this.#p.book.off('report', this.#onReport);
    const paths = [...this.#retiring, ...(this.#current ? [this.#current] : [])];
    // Each hop's final receipt first (a bounded wait), then each channel is closed cooperatively (the client
    // is ending: its rest comes back now, not after a challenge period), the tunnel closes and the path settles.
    await Promise.all(paths.map((path) => this.#builder.close(path, { cooperative: true })));
    for (const path of paths) this.#count(path);
  }

  /** Adds a closed, settled path's bytes and money to the totals, once. */
  #count(path: BuiltPath): void {
    if (this.#counted.has(path)) return;
    this.#counted.add(path);
    for (const h of path.hops) {
      const spend = this.#spend.get(h.channelId.toLowerCase());
      if (!spend) continue;
      spend.live.delete(h);
      if (h.paid.payer.promised > spend.top) spend.top = h.paid.payer.promised;
    }
    this.#totals.bytesDown += path.session.exit.meter.received;
    this.#totals.bytesUp += path.session.exit.meter.sent;
  }

  /** The current path, or a new one (one build at a time, shared by everyone waiting). */
  async ensurePath(): Promise<BuiltPath> {
    const current = this.#current;
    if (current && !current.session.exit.closed) return current;
    this.#building ??= this.#build()
      .then((path) => {
        this.#current = path;
        return path;
      })
      .finally(() => {
        this.#building = undefined;
      });
    return this.#building;
  }

  /** Closes the current path and builds a new one now. */
  async rebuild(): Promise<BuiltPath> {
    const old = this.#current;
    this.#current = undefined;
    old?.session.close();
    return this.ensurePath();
  }

  /** What the proxy fronts open streams with: through the current path, `options` ({early}) passed on. */
  readonly openStream: OpenTunnelStream = async (destination, options) => {
    try {
      return (await this.ensurePath()).session.openStream(destination, options);
    } catch (error) {
      this.#p.telemetry.countError(codeOf(error));
      throw error;
    }
  };

  /** What the SOCKS5 front opens UDP flows with (UDP ASSOCIATE): through the current path's exit. */
  readonly openFlow: OpenTunnelFlow = async (destination) => {
    try {
      return (await this.ensurePath()).session.openFlow(destination);
    } catch (error) {
      this.#p.telemetry.countError(codeOf(error));
      throw error;
    }
  };

  async #build(): Promise<BuiltPath> {
    const { hops: n, book, telemetry, logger } = this.#p;
    const known = await this.#p.offers();
    const offers = selectPath(known, n, {
      prefer: this.#p.prefer,
      regions: this.#p.regions,
      reputation: book.reputation(),
      rttMs: this.#rttMs,
      located: locatedRegions(known),
    });
    if (offers.length < n) {
      throw new ClientError(`only ${offers.length} providers pass the region policy and the reputation threshold`, {
        code: 'CLIENT_NOT_ENOUGH_PROVIDERS',
        details:
          'widen --allow-region / --deny-region, use fewer hops, or wait for better providers (the last hop must be an exit, not a relay-only provider)',
      });
    }
    await this.#p.onPathChosen?.(offers);
    let path: BuiltPath;
    try {
      path = await this.#builder.build(offers);
    } catch (error) {
      // A provider that refuses or cannot be reached counts against it in the client's own measurements.
      const provider = (error as { meta?: { provider?: Address } }).meta?.provider;
      if (provider) book.observe(provider, 0);
      throw error;
    }
    const { session, hops } = path;
    for (const h of hops) {
      const key = h.channelId.toLowerCase();
      const spend = this.#spend.get(key) ?? { start: h.startPromised, top: h.startPromised, live: new Set() };
      spend.live.add(h);
      this.#spend.set(key, spend);
    }
    const entry = session.hops[0];
    const stopWatching =
      entry &&
      watchThrottling({
        session: entry,
        capacityBytesPerSecond: this.#capacityOf(hops[0]?.offer),
        onThrottled: (verdict) => this.#onThrottled(path, verdict),
      });
    this.#totals.sessions++;
    telemetry.publish('session-opened', { hops: hops.map((h) => h.offer.offer.provider) });
    logger.info({ hops: hops.map((h) => h.offer.offer.provider) }, 'path built');
    session.exit.once('close', () => {
      stopWatching?.();
      clearTimeout(this.#throttled.get(path));
      this.#throttled.delete(path);
      // A path that carried traffic and did not stall counts for each of its providers.
      if (!this.#stalled.has(path) && session.exit.meter.received > 0)
        for (const h of hops) book.observe(h.offer.offer.provider, 1);
      // At stop, `stop` settles and counts the path itself (after its cooperative close).
      if (!this.#stopped) void this.#builder.settle(path).then(() => this.#count(path));
      if (this.#current === path) this.#current = undefined;
      this.#retiring.delete(path);
      telemetry.publish('session-closed', { hops: hops.map((h) => h.offer.offer.provider) });
      logger.info('path closed');
    });
    return path;
  }

  /** What hop 1's provider can carry, bytes/s: the auditors' newest measurement if any, else its offer's claim. */
  #capacityOf(offer: SignedOffer | undefined): number {
    if (!offer) return 0;
    const provider = offer.offer.provider.toLowerCase();
    const reports = this.#p.book.reports().filter((r) => r.provider.toLowerCase() === provider);
    const newest = Math.max(0, ...reports.map((r) => r.epoch));
    const audited = measuredCapacity(reports.filter((r) => r.epoch === newest));
    return audited > 0 ? audited : offer.offer.capacityBytesPerSecond;
  }

  /**
   * Hop 1's transport is throttled: block it for that provider and retire the path if another transport is
   * left (new connections get a path over it at once); streams still on the old path get `THROTTLE_GRACE_MS`,
   * then the path is closed and the new one built. With no other transport there is nothing to gain: stay.
   */
  #onThrottled(path: BuiltPath, verdict: Extract<ThrottleVerdict, { throttled: true }>): void {
    if (this.#stopped || path !== this.#current || path.session.exit.closed) return;
    const provider = path.hops[0]?.offer.offer.provider as Address;
    const transport = path.session.transport;
    const rates = {
      sentBytesPerSecond: Math.round(verdict.sentBytesPerSecond),
      receivedBytesPerSecond: Math.round(verdict.receivedBytesPerSecond),
      thresholdBytesPerSecond: Math.round(verdict.thresholdBytesPerSecond),
      backloggedMs: Math.round(verdict.backloggedMs),
    };
    const next = this.#builder.switchTransport(path, 'throttled');
    if (!next) {
      this.#p.logger.warn(
        { provider, transport, ...rates },
        'hop 1 is throttled and no other transport is left; staying',
      );
      return;
    }
    this.#p.telemetry.countError('CLIENT_TRANSPORT_THROTTLED');
    this.#p.telemetry.publish('path-failed', { provider, reason: 'throttled', transport, next });
    this.#p.logger.warn({ provider, transport, next, ...rates }, 'hop 1 transport throttled, switching');
    const streams = path.session.exit.streams.size;
    this.#retire(path, false);
    if (streams === 0) {
      this.#prebuild();
      return;
    }
    const grace = setTimeout(() => {
      this.#throttled.delete(path);
      if (this.#stopped || path.session.exit.closed) return;
      this.#p.logger.info(
        { provider, streams: path.session.exit.streams.size },
        'throttled path closed after its grace',
      );
      this.#retiring.delete(path);
      void this.#builder.close(path);
      this.#prebuild();
    }, THROTTLE_GRACE_MS);
    grace.unref();
    this.#throttled.set(path, grace);
  }

  /** Builds the next path now rather than at the next connection (after a transport switch). */
  #prebuild(): void {
    if (this.#stopped) return;
    this.ensurePath().catch((error: unknown) => {
      this.#p.telemetry.countError(codeOf(error));
      this.#p.logger.warn({ err: error }, 'no new path after the transport switch; the next connection tries again');
    });
  }

  /** Gives up `path`: new connections get a new path now; `close` ends its streams too. */
  #retire(path: BuiltPath, close: boolean): void {
    if (this.#current === path) this.#current = undefined;
    if (close) path.session.close();
    else if (path.session.exit.streams.size === 0) void this.#builder.close(path);
    else this.#retiring.add(path);
  }

  /** Liveness: ping every hop through the tunnel; the first hop that stops answering is the culprit. */
  #watch(): void {
    for (const path of this.#retiring) if (path.session.exit.streams.size === 0) void this.#builder.close(path);
    const path = this.#current;
    if (!path || this.#pinging || path.session.exit.closed) return;
    this.#pinging = true;
    const delivered = path.session.exit.meter.received;
    void Promise.all(path.session.hops.map((hop) => hop.ping(STALL_TIMEOUT_MS)))
      .then((rtts) => {
        if (path !== this.#current || this.#stopped) return;
        const silent = rtts.indexOf(undefined);
        let previous = 0;
        for (const [i, rtt] of rtts.entries()) {
          if (rtt === undefined) break;
          const key = path.hops[i]?.offer.offer.provider.toLowerCase() as string;
          // The hop's own share of the round trip, smoothed.
          const own = Math.max(0, rtt - previous);
          previous = rtt;
          this.#rttMs.set(key, 0.5 * (this.#rttMs.get(key) ?? own) + 0.5 * own);
        }
        // Bytes kept arriving from the exit: the PONGs wait behind them (a slow or throttled link), the path lives.
        // A trickle does not count: a hop that drops PONGs and drips a few bytes is still given up.
        if (silent < 0 || path.session.exit.meter.received - delivered >= STALL_MIN_PROGRESS_BYTES) return;
        const culprit = path.hops[silent]?.offer.offer.provider as Address;
        this.#p.book.observe(culprit, 0);
        this.#stalled.add(path);
        this.#totals.failovers++;
        this.#p.telemetry.countError('CLIENT_PATH_STALLED');
        this.#p.telemetry.publish('path-failed', { provider: culprit, reason: 'stalled' });
        this.#p.logger.warn({ provider: culprit, hop: silent + 1 }, 'path stalled; moving to the next-best providers');
        this.#retire(path, true);
      })
      .finally(() => {
        this.#pinging = false;
      });
  }

  /** Reputation: a hop the auditors now rate below the threshold is left for new connections at once. */
  readonly #onReport = (): void => {
    const path = this.#current;
    if (!path) return;
    const reputation = this.#p.book.reputation();
    const bad = path.hops.find(
      (h) => (reputation.get(h.offer.offer.provider.toLowerCase()) ?? 1) < SELECTION_THRESHOLD,
    );
    if (!bad) return;
    this.#p.logger.warn({ provider: bad.offer.offer.provider }, 'a hop fell below the reputation threshold; new path');
    this.#p.telemetry.publish('path-failed', { provider: bad.offer.offer.provider, reason: 'reputation' });
    this.#retire(path, false);
  };
}
