/**
 * A path with every provider behind NAT preceded by its relay (pure; docs/nat.md). A NATed provider's offer
 * names its relay (`relay:<address>` among its endpoints); it can be reached only through a RELAY stream on a
 * session with that relay, so the relay becomes the hop before it — paid for what it carries like any hop.
 * A provider appears once in a path (one session per channel), so a relay chosen elsewhere in the path moves
 * there; if the path grows beyond `MAX_HOPS`, the first hop that is neither a NATed provider, a relay nor the
 * exit makes room.
 */
import { type Address, isAddressEqual } from 'viem';
import type { SignedOffer } from '../net/offer.ts';
import { parseRelayEndpoint } from '../net/relayEndpoint.ts';
import { MAX_HOPS } from '../tunnel/constants.ts';
import { PathError } from './PathError.ts';

/** The relay a NATed provider's offer names, `undefined` for a provider with a direct endpoint. */
export function relayOfOffer(signed: SignedOffer): Address | undefined {
  return signed.offer.endpoints.map(parseRelayEndpoint).find((a) => a !== undefined);
}

export function withRelays(
  offers: readonly SignedOffer[],
  relayOf: (provider: Address) => SignedOffer | undefined,
): SignedOffer[] {
  const path = [...offers];
  const same = (a: SignedOffer, b: Address) => isAddressEqual(a.offer.provider, b);
  const relays = new Set<string>();
  for (let i = 0; i < path.length; i++) {
    const natted = path[i] as SignedOffer;
    const relayAddress = relayOfOffer(natted);
    if (!relayAddress) continue;
    relays.add(relayAddress.toLowerCase());
    if (i > 0 && same(path[i - 1] as SignedOffer, relayAddress)) continue;
    const relay = relayOf(relayAddress);
    if (!relay || relayOfOffer(relay)) {
      throw new PathError(
        `provider ${natted.offer.provider} is behind NAT and its relay ${relayAddress} is not known`,
        {
          code: 'CLIENT_NAT_RELAY_UNKNOWN',
          details: 'wait for the relay’s offer, or choose another provider',
          meta: { provider: natted.offer.provider, relay: relayAddress },
        },
      );
    }
    const elsewhere = path.findIndex((o) => same(o, relayAddress));
    if (elsewhere >= 0) {
      path.splice(elsewhere, 1);
      if (elsewhere < i) i--;
    }
    path.splice(i, 0, relay);
    i++;
  }
  while (path.length > MAX_HOPS) {
    const spare = path.findIndex(
      (o, j) => j < path.length - 1 && !relayOfOffer(o) && !relays.has(o.offer.provider.toLowerCase()),
    );
    if (spare < 0) {
      throw new PathError('the providers behind NAT and their relays make the path longer than allowed', {
        code: 'CLIENT_BAD_HOPS',
        details: `a path has at most ${MAX_HOPS} hops; use fewer hops or providers that are not behind NAT`,
      });
    }
    path.splice(spare, 1);
  }
  return path;
}
