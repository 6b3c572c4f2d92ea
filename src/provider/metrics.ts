/**
 * What the provider hands to its local API (`startDaemonApi`), computed from the data it owns: the
 * Prometheus families of `GET /metrics`, the payment and redemption events the dashboard's stream
 * derives from successive statuses (for one provider, and for the devnet's view of all of them), and
 * the payee channels of `GET /api/channels`. `api/` renders them and knows nothing of providers.
 */
import type { Address, Hex } from 'viem';
import { TICK_BYTES } from '../accounting/constants.ts';
import { bytesFamily, counter, errorFamily, gauge, type MetricFamily, rbt } from '../api/metrics.ts';
import type { DaemonEvent, Telemetry } from '../api/telemetry.ts';
import { getChannel } from '../chain/actions/getChannel.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { ChargedSession } from '../session/chargeSession.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';

type Detected = Omit<DaemonEvent, 'at'>[];

/** The figures of a provider's status the metrics and events read (a `ProviderStatus` has them all). */
export type ProviderFigures = {
  address: Address;
  sessions: number;
  sessionsTotal: number;
  earnedWei: bigint;
  redeemedWei: bigint;
  stakeWei: bigint;
  priceWeiPerGiB: bigint;
  creditPauses: number;
  reputation: number;
};

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

export function providerMetrics(s: ProviderFigures, traffic: Traffic, telemetry: Telemetry): MetricFamily[] {
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

const big = (v: unknown) => BigInt(String(v ?? 0));

export function detectProviderChanges(previous: unknown, next: unknown): Detected {
  const a = previous as ProviderFigures;
  const b = next as ProviderFigures;
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

/** The devnet's network dashboard: every provider's payments and redemptions, sessions opened and closed. */
export function detectDevnetChanges(previous: unknown, next: unknown): Detected {
  const a = previous as { providers: ProviderFigures[] };
  const b = next as { providers: ProviderFigures[] };
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
