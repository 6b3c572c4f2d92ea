import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address } from 'viem';
import { devAccount } from '../chain/devAccounts.ts';
import { codeOf } from '../errors/codeOf.ts';
import { SUPPORTED_PROTOCOLS } from '../net/constants.ts';
import type { SignedOffer } from '../net/offer.ts';
import { formatRelayEndpoint } from '../net/relayEndpoint.ts';
import { withRelays } from './withRelays.ts';

const address = (i: number) => devAccount(i).address;

function offer(i: number, relay?: number): SignedOffer {
  return {
    offer: {
      provider: address(i),
      peerId: `peer${i}`,
      chainId: 31337,
      priceWeiPerGiB: 1n,
      region: 'DE',
      capacityBytesPerSecond: 1,
      endpoints: [relay === undefined ? `10.0.0.${i}:4000` : formatRelayEndpoint(address(relay))],
      tunnelPublicKey: Buffer.alloc(32, i).toString('base64'),
      transports: [],
      protocols: [...SUPPORTED_PROTOCOLS],
      issuedAt: 0,
      expiresAt: 1,
      sequence: 1,
    },
    signature: '0x',
    binding: '0x',
  };
}

const known = new Map<Address, SignedOffer>([1, 2, 3, 4, 5].map((i) => [address(i), offer(i)]));
const relayOf = (a: Address) => known.get(a);
const providers = (path: SignedOffer[]) => path.map((o) => o.offer.provider);

describe('withRelays', () => {
  it('leaves paths without NATed providers alone', () => {
    const path = [offer(1), offer(2), offer(3)];
    assert.deepEqual(providers(withRelays(path, relayOf)), providers(path));
  });

  it('puts the relay before a NATed provider (1 hop becomes relay → NATed)', () => {
    assert.deepEqual(providers(withRelays([offer(9, 1)], relayOf)), [address(1), address(9)]);
    assert.deepEqual(providers(withRelays([offer(2), offer(9, 1)], relayOf)), [address(2), address(1), address(9)]);
  });

  it('keeps a relay already before it, moves one chosen elsewhere (a provider is in a path once)', () => {
    assert.deepEqual(providers(withRelays([offer(1), offer(9, 1)], relayOf)), [address(1), address(9)]);
    assert.deepEqual(providers(withRelays([offer(2), offer(9, 1), offer(1)], relayOf)), [
      address(2),
      address(1),
      address(9),
    ]);
  });

  it('stays within 3 hops: a spare hop makes room, never the exit, a NATed provider or a relay', () => {
    assert.deepEqual(providers(withRelays([offer(2), offer(3), offer(9, 1)], relayOf)), [
      address(3),
      address(1),
      address(9),
    ]);
    assert.deepEqual(providers(withRelays([offer(9, 1), offer(2), offer(3)], relayOf)), [
      address(1),
      address(9),
      address(3),
    ]);
    assert.throws(
      () => withRelays([offer(9, 1), offer(8, 2)], relayOf),
      (error) => codeOf(error) === 'CLIENT_BAD_HOPS',
    );
  });

  it('fails clearly when the relay is unknown or is itself behind NAT', () => {
    assert.throws(
      () => withRelays([offer(9, 6)], relayOf),
      (error) => codeOf(error) === 'CLIENT_NAT_RELAY_UNKNOWN',
    );
    const natRelay = new Map([[address(6), offer(6, 1)]]);
    assert.throws(
      () => withRelays([offer(9, 6)], (a) => natRelay.get(a)),
      (error) => codeOf(error) === 'CLIENT_NAT_RELAY_UNKNOWN',
    );
  });
});
