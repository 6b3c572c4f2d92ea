/**
 * The provider's and the client's metrics, change detection and extra views, kept out of the
 * daemons themselves: they hand over their status, live sessions and `Telemetry`.
 */
import type { Address, Hex } from 'viem';
import { TICK_BYTES } from '../accounting/constants.ts';
import { getChannel } from '../chain/actions/getChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { ClientStatus } from '../client/startClient.ts';
import type { SignedOffer } from '../net/offer.ts';
import type { ProviderStatus } from '../provider/startProvider.ts';
import type { ChargedSession } from '../session/chargeSession.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import { counter, gauge, type MetricFamily, rbt } from './metrics.ts';
import type { DaemonEvent, Telemetry } from './telemetry.ts';

type Detected = Omit<DaemonEvent, 'at'>[];

export type Traffic = { up: number; down: number; paymentLagBytes: number };

/**
 * Live provider sessions: bytes each way (up = received from the client side, down = sent to it),
 * and the payment lag: bytes served that no durable claim pays for yet (what a crash now would lose).
 */
export function providerTraffic(sessions: Iterable<ChargedSession>, store: ChannelStore): Traffic {
  let up = 0;
  let down = 0;
  let paymentLagBytes = 0;
  for (const c of sessions) {
    up += c.bytesUp;
    down += c.bytesDown;
    const claim = c.payee.claim;
    const durable = claim ? (store.latestClaim(claim.signed.voucher.channelId)?.value ?? 0n) : 0n;
    const notDurableWei = claim && claim.value > durable ? claim.value - durable : 0n;
    const notDurableBytes = c.payee.tickValue > 0n ? Number(notDurableWei / c.payee.tickValue) * TICK_BYTES : 0;
    paymentLagBytes += c.payee.unpaidBytes + notDurableBytes;
  }
  return { up, down, paymentLagBytes };
}

function errorFamily(telemetry: Telemetry): MetricFamily {
  return {
    name: 'bandex_errors_total',
    help: 'Errors by code (sessions ended by an error, failed connections, refused payments).',
    type: 'counter',
    samples: [...telemetry.errors].map(([code, value]) => ({ labels: { code }, value })),
  };
}

function bytesFamily(up: number, down: number, help: string): MetricFamily {
  return {
    name: 'bandex_bytes_total',
    help,
    type: 'counter',
    samples: [
      { labels: { direction: 'up' }, value: up },
      { labels: { direction: 'down' }, value: down },
    ],
  };
}

export function providerMetrics(s: ProviderStatus, traffic: Traffic, telemetry: Telemetry): MetricFamily[] {
  return [
    gauge('bandex_info', 'Constant 1; labels say what this daemon is.', 1, { role: 'provider', address: s.address }),
    bytesFamily(
      traffic.up,
      traffic.down,
      'Bytes served (up: from clients towards destinations, down: back to clients).',
    ),
    gauge('bandex_sessions', 'Paid tunnel sessions open now.', s.sessions),
    counter('bandex_sessions_total', 'Paid tunnel sessions accepted since start.', s.sessionsTotal),
    gauge(
      'bandex_earned_rbt',
      'RBT the durable claims of all payee channels are worth (redeemed or not).',
      rbt(s.earnedWei),
    ),
    gauge('bandex_redeemed_rbt', "RBT redeemed on chain from this provider's channels.", rbt(s.redeemedWei)),
    gauge(
      'bandex_redeemable_rbt',
      'RBT claimed but not yet redeemed.',
      rbt(s.earnedWei > s.redeemedWei ? s.earnedWei - s.redeemedWei : 0n),
    ),
    gauge('bandex_stake_rbt', 'RBT bonded as stake in the registry.', rbt(s.stakeWei)),
    gauge('bandex_price_rbt_per_gib', "This provider's price in RBT per GiB.", rbt(s.priceWeiPerGiB)),
    gauge(
      'bandex_payment_lag_bytes',
      'Bytes served in open sessions not yet paid by a durable claim.',
      traffic.paymentLagBytes,
    ),
    counter(
      'bandex_credit_pauses_total',
      'Times a session paused at its credit window waiting for payment.',
      s.creditPauses,
    ),
    gauge('bandex_reputation', "This provider's reputation from the auditors' reports it heard, 0..1.", s.reputation),
    errorFamily(telemetry),
  ];
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

export function detectProviderChanges(previous: unknown, next: unknown): Detected {
  const a = previous as ProviderStatus;
  const b = next as ProviderStatus;
  const events: Detected = [];
  if (big(b.earnedWei) > big(a.earnedWei))
    events.push({
      type: 'payment',
      data: { earnedWei: String(b.earnedWei), deltaWei: String(big(b.earnedWei) - big(a.earnedWei)) },
    });
  if (big(b.redeemedWei) > big(a.redeemedWei))
    events.push({
      type: 'redemption',
      data: { redeemedWei: String(b.redeemedWei), deltaWei: String(big(b.redeemedWei) - big(a.redeemedWei)) },
    });
  return events;
}

export function detectClientChanges(previous: unknown, next: unknown): Detected {
  const a = previous as ClientStatus;
  const b = next as ClientStatus;
  if (big(b.paidWei) <= big(a.paidWei)) return [];
  return [{ type: 'payment', data: { paidWei: String(b.paidWei), deltaWei: String(big(b.paidWei) - big(a.paidWei)) } }];
}

export type PayeeChannelView = {
  channelId: Hex;
  payer: Address;
  depositWei: string;
  claimedWei: string;
  redeemedWei: string;
  redeemableWei: string;
};

/** The provider's channels: deposit, best durable claim, redeemed on chain, what is left to redeem. */
export async function readPayeeChannels(
  client: ChainClient,
  deployment: Deployment,
  store: ChannelStore,
): Promise<PayeeChannelView[]> {
  const views: PayeeChannelView[] = [];
  for (const channelId of store.claimedChannels('payee')) {
    const onChain = await getChannel(client, { deployment, channelId });
    const claimed = store.latestClaim(channelId)?.value ?? 0n;
    views.push({
      channelId,
      payer: onChain.payer,
      depositWei: onChain.deposit.toString(),
      claimedWei: claimed.toString(),
      redeemedWei: onChain.redeemed.toString(),
      redeemableWei: (claimed > onChain.redeemed ? claimed - onChain.redeemed : 0n).toString(),
    });
  }
  return views;
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
    capacityBytesPerSecond: offer.capacityBytesPerSecond,
    reputation: reputation.get(offer.provider.toLowerCase()) as number,
  }));
}

/** The devnet's network dashboard: every provider's payments and redemptions, sessions opened and closed. */
export function detectDevnetChanges(previous: unknown, next: unknown): Detected {
  const a = previous as { providers: ProviderStatus[] };
  const b = next as { providers: ProviderStatus[] };
  const events: Detected = [];
  for (const p of b.providers) {
    const before = a.providers.find((q) => q.address === p.address);
    if (!before) continue;
    for (const event of detectProviderChanges(before, p))
      events.push({ ...event, data: { provider: p.address, ...event.data } });
    if (p.sessionsTotal > before.sessionsTotal) events.push({ type: 'session-opened', data: { provider: p.address } });
    if (p.sessions < before.sessions && p.sessionsTotal === before.sessionsTotal)
      events.push({ type: 'session-closed', data: { provider: p.address } });
  }
  return events;
}
