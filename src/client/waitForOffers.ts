/**
 * Waiting for enough providers' offers to choose a path from. A client that just joined hears the
 * offers one by one, and choosing from the first one alone would not be choosing: the offers known are
 * taken once there are enough for `hops` (and every preferred provider has offered) and either every
 * registered provider has offered or no new offer has arrived for `OFFER_SETTLE_MS`.
 */
import type { Address } from 'viem';
import { readRegistryParameter } from '../chain/actions/readRegistryParameter.ts';
import type { ChainClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import type { OfferDirectory } from '../net/OfferDirectory.ts';
import type { SignedOffer } from '../net/offer.ts';
import { ClientError } from './ClientError.ts';

/** How long to wait for enough offers before giving up on building a path. */
const OFFER_WAIT_MS = 30_000;
/** Offers are taken as complete once none has arrived for this long. */
const OFFER_SETTLE_MS = 1_500;
/** How often the directory is looked at while waiting. */
const POLL_MS = 100;

export type WaitForOffersParameters = {
  client: ChainClient;
  deployment: Deployment;
  directory: OfferDirectory;
  /** Providers the path needs. */
  hops: number;
  /** Providers that must have offered too. */
  prefer?: Address[];
};

/** The offers known once there are enough; throws `CLIENT_NOT_ENOUGH_PROVIDERS` after `OFFER_WAIT_MS`. */
export async function waitForOffers(params: WaitForOffersParameters): Promise<SignedOffer[]> {
  const { client, deployment, directory, hops: n } = params;
  const deadline = Date.now() + OFFER_WAIT_MS;
  const registered = await readRegistryParameter(client, { deployment, name: 'providerCount' }).then(
    Number,
    () => Number.POSITIVE_INFINITY,
  );
  let known = -1;
  let changedAt = Date.now();
  for (;;) {
    const offers = directory.list();
    if (offers.length !== known) {
      known = offers.length;
      changedAt = Date.now();
    }
    const preferredMissing = (params.prefer ?? []).some(
      (p) => !offers.some((o) => o.offer.provider.toLowerCase() === p.toLowerCase()),
    );
    const enough = offers.length >= n && !preferredMissing;
    const settled = offers.length >= registered || Date.now() - changedAt >= OFFER_SETTLE_MS;
    if (enough && (settled || Date.now() > deadline)) return offers;
    if (!enough && Date.now() > deadline) {
      throw new ClientError(`only ${offers.length} provider offers known; a ${n}-hop path needs ${n}`, {
        code: 'CLIENT_NOT_ENOUGH_PROVIDERS',
        details: 'check the bootstrap peers, or use fewer hops',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
