/**
 * What the provider's `/api/status` says: its registry record, what it served and earned, its sessions
 * and reputation. The chain is asked at most once a second for what was redeemed (the dashboard polls).
 */
import type { Address } from 'viem';
import { readProvider } from '../chain/actions/readProvider.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import { PRIOR } from '../reputation/reputation.ts';
import type { ChannelStore } from '../store/ChannelStore.ts';
import { readPayeeChannels } from './metrics.ts';
import type { SessionCharger } from './SessionCharger.ts';

export type ProviderStatus = {
  address: Address;
  peerId: string;
  priceWeiPerGiB: bigint;
  bytesServed: number;
  earnedWei: bigint;
  redeemedWei: bigint;
  stakeWei: bigint;
  sessions: number;
  sessionsTotal: number;
  /** Sessions since start by the transport they came in on (an inner hop's all count as `plain`). */
  sessionsByTransport: Record<string, number>;
  creditPauses: number;
  /** Reputation from the auditors' reports heard on the audit topic (the prior until any arrive). */
  reputation: number;
};

export type ProviderStatusParameters = {
  client: ChainClient;
  deployment: Deployment;
  store: ChannelStore;
  charger: SessionCharger;
  book: ReputationBook;
  address: Address;
  peerId: string;
  priceWeiPerGiB: bigint;
};

/** How long the redeemed total read from the chain is reused. */
const REDEEMED_CACHE_MS = 1_000;

export function providerStatus(p: ProviderStatusParameters): () => Promise<ProviderStatus> {
  let cached: { at: number; value: Promise<bigint> } | undefined;
  const redeemed = () => {
    if (!cached || Date.now() - cached.at >= REDEEMED_CACHE_MS) {
      const value = readPayeeChannels(p.client, p.deployment, p.store).then((views) =>
        views.reduce((sum, v) => sum + BigInt(v.redeemedWei), 0n),
      );
      cached = { at: Date.now(), value };
    }
    return cached.value;
  };
  return async () => {
    const { up, down } = p.charger.traffic();
    let earnedWei = 0n;
    for (const id of p.store.claimedChannels('payee')) earnedWei += p.store.latestClaim(id)?.value ?? 0n;
    const [redeemedWei, current] = await Promise.all([
      redeemed(),
      readProvider(p.client, { deployment: p.deployment, provider: p.address }),
    ]);
    return {
      address: p.address,
      peerId: p.peerId,
      priceWeiPerGiB: p.priceWeiPerGiB,
      bytesServed: up + down,
      earnedWei,
      redeemedWei,
      stakeWei: current.stakeWei,
      sessions: p.charger.liveCount,
      sessionsTotal: p.charger.total,
      sessionsByTransport: p.charger.sessionsByTransport(),
      creditPauses: p.charger.pauses(),
      reputation: p.book.reputation().get(p.address.toLowerCase()) ?? PRIOR,
    };
  };
}
