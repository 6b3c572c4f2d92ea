/**
 * What the client hands to its local API (`startDaemonApi`), computed from the data it owns: its
 * status shape, the Prometheus families of `GET /metrics`, the payment events the dashboard's stream
 * derives from successive statuses, and the offer list of `GET /api/providers`. `api/` renders them
 * and knows nothing of clients.
 */
import type { Address, Hex } from 'viem';
import { bytesFamily, counter, errorFamily, gauge, type MetricFamily, rbt } from '../api/metrics.ts';
import type { DaemonEvent, Telemetry } from '../api/telemetry.ts';
import type { SignedOffer } from '../net/offer.ts';
import { locateOffer } from '../reputation/locateOffers.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import { PRIOR } from '../reputation/reputation.ts';
import type { BuiltPath } from '../session/buildPath.ts';
import type { PathTotals } from './PathManager.ts';

type Detected = Omit<DaemonEvent, 'at'>[];

export type HopStatus = {
  provider: Address;
  peerId: string;
  channelId: Hex;
  priceWeiPerGiB: bigint;
  bytesDown: number;
  bytesUp: number;
  paidWei: bigint;
  /** Local address of the client's socket to hop 1 (absent for inner hops). */
  localAddress?: string;
  /** How hop 1's connection looks on the wire (absent for inner hops). */
  transport?: string;
};

export type ClientStatus = {
  address: Address;
  bytesDown: number;
  bytesUp: number;
  paidWei: bigint;
  sessions: number;
  sessionsTotal: number;
  path: HopStatus[];
  /** Paths given up because a hop stalled, and the providers avoided for it. */
  failovers: number;
  blocked?: string;
};

/** What `clientStatus` reads of the path manager. */
export type PathState = { current: BuiltPath | undefined; totals: Readonly<PathTotals>; blocked: string | undefined };

/** The client's status: bytes of the closed paths plus the live one, money over all of them, and the live path hop by hop. */
export function clientStatus(address: Address, paths: PathState): ClientStatus {
  const { current, totals } = paths;
  const path = current?.hops ?? [];
  const live = current?.session;
  const paidWei = totals.paidWei; // every path's, the live ones' included
  // Hop 1's transport is the socket itself (plain) or a framed stream over one (`.socket`).
  const carrier = live?.hops[0]?.channel.transport as { socket?: unknown } | undefined;
  const first = (carrier?.socket ?? carrier) as { localAddress?: string; localPort?: number } | undefined;
  return {
    address,
    bytesDown: totals.bytesDown + (live?.exit.meter.received ?? 0),
    bytesUp: totals.bytesUp + (live?.exit.meter.sent ?? 0),
    paidWei,
    sessions: live && !live.exit.closed ? 1 : 0,
    sessionsTotal: totals.sessions,
    failovers: totals.failovers,
    blocked: paths.blocked,
    path: path.map((h, i) => ({
      provider: h.offer.offer.provider,
      peerId: h.offer.offer.peerId,
      channelId: h.channelId,
      priceWeiPerGiB: h.offer.offer.priceWeiPerGiB,
      bytesDown: h.paid.bytesDown,
      bytesUp: h.paid.bytesUp,
      paidWei: h.paid.payer.promised - h.startPromised,
      localAddress: i === 0 && first?.localPort ? `${first.localAddress}:${first.localPort}` : undefined,
      transport: i === 0 ? live?.transport : undefined,
    })),
  };
}

/** Bytes the live path delivered that no payment covers yet. */
export function paymentLagBytes(path: BuiltPath | undefined): number {
  let lag = 0;
  for (const h of path?.hops ?? []) lag += Math.max(0, h.paid.payer.bytesDelivered - h.paid.payer.bytesPaid);
  return lag;
}

/** Every known provider's reputation as selection uses it (the prior for one nobody has measured). */
export function knownReputation(book: ReputationBook, offers: readonly SignedOffer[]): Map<string, number> {
  const known = book.reputation();
  for (const o of offers) {
    const key = o.offer.provider.toLowerCase();
    if (!known.has(key)) known.set(key, PRIOR);
  }
  return known;
}

export function clientMetrics(
  s: ClientStatus,
  paymentLagBytes: number,
  telemetry: Telemetry,
  reputation: ReadonlyMap<string, number>,
): MetricFamily[] {
  return [
    gauge('bandex_info', 'Constant 1; labels say what this daemon is.', 1, { role: 'client', address: s.address }),
    bytesFamily(s.bytesUp, s.bytesDown, 'Bytes through the tunnel (up: sent by applications, down: received).'),
    gauge('bandex_sessions', 'Paths (tunnel sessions) open now.', s.sessions),
    counter('bandex_sessions_total', 'Paths built since start.', s.sessionsTotal),
    gauge('bandex_spent_rbt', 'RBT promised to providers since start (ticks and vouchers).', rbt(s.paidWei)),
    gauge('bandex_path_hops', 'Providers in the current path.', s.path.length),
    {
      name: 'bandex_hop_spent_rbt',
      help: 'RBT promised to each provider of the current path in this session.',
      type: 'gauge',
      samples: s.path.map((h) => ({ labels: { provider: h.provider }, value: rbt(h.paidWei) })),
    },
    gauge('bandex_payment_lag_bytes', 'Bytes received that no payment covers yet.', paymentLagBytes),
    gauge('bandex_blocked', '1 when payment is blocked (deposit or budget exhausted).', s.blocked ? 1 : 0),
    counter('bandex_credit_pauses_total', 'Credit pauses (counted by providers; 0 on the client).', 0),
    counter('bandex_failovers_total', 'Paths given up because a hop stopped answering.', s.failovers),
    {
      name: 'bandex_reputation',
      help: 'Reputation of every known provider as this client uses it (audits and its own experience), 0..1.',
      type: 'gauge',
      samples: [...reputation].map(([provider, value]) => ({ labels: { provider }, value })),
    },
    errorFamily(telemetry),
  ];
}

const big = (v: unknown) => BigInt(String(v ?? 0));

export function detectClientChanges(previous: unknown, next: unknown): Detected {
  const a = previous as ClientStatus;
  const b = next as ClientStatus;
  if (big(b.paidWei) <= big(a.paidWei)) return [];
  return [{ type: 'payment', data: { paidWei: String(b.paidWei), deltaWei: String(big(b.paidWei) - big(a.paidWei)) } }];
}

/**
 * The offers a client knows (provider, price, region, capacity), each with its provider's reputation
 * (`reputation` holds every offer's provider, lower case).
 */
export function offerViews(offers: SignedOffer[], reputation: ReadonlyMap<string, number>) {
  return offers.map(({ offer }) => ({
    provider: offer.provider,
    peerId: offer.peerId,
    priceWeiPerGiB: offer.priceWeiPerGiB.toString(),
    region: offer.region,
    ...regionView(offer),
    capacityBytesPerSecond: offer.capacityBytesPerSecond,
    reputation: reputation.get(offer.provider.toLowerCase()) as number,
  }));
}

/** Where the provider's endpoint is and whether that contradicts its claim (`regionCheck`: consistent, unknown, mismatch). */
function regionView(offer: SignedOffer['offer']): { located?: string; regionCheck: string; regionReason?: string } {
  const { located, check } = locateOffer(offer);
  return {
    ...(located ? { located } : {}),
    regionCheck: check.verdict,
    ...(check.verdict === 'consistent' ? {} : { regionReason: check.reason }),
  };
}
