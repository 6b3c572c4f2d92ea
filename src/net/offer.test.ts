import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { TEST_CHAIN_ID, testOfferFields, testProvider, testSignedOffer } from '../../test/support/netFixtures.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { MAX_OFFER_BYTES, RELAY_ONLY_PROTOCOL, SUPPORTED_PROTOCOLS } from './constants.ts';
import { decodeOffer } from './decodeOffer.ts';
import { encodeOffer } from './encodeOffer.ts';
import { OfferError } from './errors.ts';
import { offerRole } from './offer.ts';
import { formatRelayEndpoint } from './relayEndpoint.ts';
import { signOffer } from './signOffer.ts';
import { verifyOffer } from './verifyOffer.ts';

const { account, peerId } = await testProvider();
const verifyOptions = { chainId: TEST_CHAIN_ID };

type WireJson = Record<string, unknown> & { offer: Record<string, unknown> };

function mutateJson(bytes: Uint8Array, edit: (json: WireJson) => void): Uint8Array {
  const json = JSON.parse(new TextDecoder().decode(bytes));
  edit(json);
  return new TextEncoder().encode(JSON.stringify(json));
}

describe('offers', () => {
  it('round-trips through the wire encoding and verifies', async () => {
    const signed = await testSignedOffer(account, peerId);
    const decoded = decodeOffer(encodeOffer(signed));
    assert.deepEqual(decoded, signed);
    await verifyOffer(decoded, verifyOptions);
  });

  it('rejects an offer signed by someone other than its provider (forgery)', async () => {
    const mallory = privateKeyToAccount(generatePrivateKey());
    const forged = await signOffer(mallory, testOfferFields(peerId));
    const claimed = { ...forged, offer: { ...forged.offer, provider: account.address } };
    await assert.rejects(verifyOffer(decodeOffer(encodeOffer(claimed)), verifyOptions), (e) =>
      hasErrorCode(e, 'NET_OFFER_BAD_SIGNATURE'),
    );
  });

  it('roles: an offer without the relay-only marker is an exit (old offers too); the marker is signed', async () => {
    const exit = await testSignedOffer(account, peerId);
    assert.equal(offerRole(exit.offer), 'exit');
    const relay = await signOffer(account, {
      ...testOfferFields(peerId),
      protocols: [...SUPPORTED_PROTOCOLS, RELAY_ONLY_PROTOCOL],
    });
    const decoded = decodeOffer(encodeOffer(relay));
    await verifyOffer(decoded, verifyOptions);
    assert.equal(offerRole(decoded.offer), 'relay-only');
    // A relay could not be passed off as an exit by a forwarder stripping the marker (nor the reverse).
    const stripped = mutateJson(encodeOffer(relay), (j) => {
      j.offer.protocols = [...SUPPORTED_PROTOCOLS];
    });
    await assert.rejects(verifyOffer(decodeOffer(stripped), verifyOptions), (e) =>
      hasErrorCode(e, 'NET_OFFER_BAD_SIGNATURE'),
    );
  });

  it('behind NAT: relay:<address> is an endpoint, signed (a forwarder cannot send its clients to another relay)', async () => {
    const relay = privateKeyToAccount(generatePrivateKey()).address;
    const natted = await signOffer(account, {
      ...testOfferFields(peerId),
      endpoints: [formatRelayEndpoint(relay)],
      transports: [],
    });
    const decoded = decodeOffer(encodeOffer(natted));
    await verifyOffer(decoded, verifyOptions);
    assert.deepEqual(decoded.offer.endpoints, [`relay:${relay}`]);
    const redirected = mutateJson(encodeOffer(natted), (j) => {
      j.offer.endpoints = [formatRelayEndpoint(privateKeyToAccount(generatePrivateKey()).address)];
    });
    await assert.rejects(verifyOffer(decodeOffer(redirected), verifyOptions), (e) =>
      hasErrorCode(e, 'NET_OFFER_BAD_SIGNATURE'),
    );
    const garbage = mutateJson(encodeOffer(natted), (j) => {
      j.offer.endpoints = ['relay:somewhere'];
    });
    assert.throws(
      () => decodeOffer(garbage),
      (e) => hasErrorCode(e, 'NET_OFFER_MALFORMED'),
    );
  });

  it('rejects a tampered price', async () => {
    const bytes = mutateJson(encodeOffer(await testSignedOffer(account, peerId)), (j) => {
      j.offer.priceWeiPerGiB = '1';
    });
    await assert.rejects(verifyOffer(decodeOffer(bytes), verifyOptions), (e) =>
      hasErrorCode(e, 'NET_OFFER_BAD_SIGNATURE'),
    );
  });

  it('rejects a tampered transport (a swapped key or endpoint would send clients to a censor)', async () => {
    for (const edit of [
      (j: WireJson) => {
        (j.offer.transports as [unknown, { params: string }])[1].params =
          `psk=${Buffer.alloc(32, 9).toString('base64url')}`;
      },
      (j: WireJson) => {
        (j.offer.transports as [{ endpoint: string }])[0].endpoint = '10.0.0.1:7000';
      },
      (j: WireJson) => {
        (j.offer.transports as unknown[]).pop();
      },
    ]) {
      const bytes = mutateJson(encodeOffer(await testSignedOffer(account, peerId)), edit);
      await assert.rejects(verifyOffer(decodeOffer(bytes), verifyOptions), (e) =>
        hasErrorCode(e, 'NET_OFFER_BAD_SIGNATURE'),
      );
    }
  });

  it('rejects a binding for another peer', async () => {
    const signed = await testSignedOffer(account, peerId);
    const other = await testSignedOffer(account, (await testProvider()).peerId);
    await assert.rejects(verifyOffer({ ...signed, binding: other.binding }, verifyOptions), (e) =>
      hasErrorCode(e, 'NET_OFFER_BAD_BINDING'),
    );
  });

  it('rejects expired, future, over-long and wrong-chain offers', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [Parameters<typeof testSignedOffer>[2], string][] = [
      [{ issuedAt: now - 600, expiresAt: now - 300 }, 'NET_OFFER_EXPIRED'],
      [{ issuedAt: now + 3600, expiresAt: now + 3700 }, 'NET_OFFER_NOT_YET_VALID'],
      [{ issuedAt: now, expiresAt: now + 86_400 }, 'NET_OFFER_MALFORMED'],
      [{ chainId: 1 }, 'NET_OFFER_WRONG_CHAIN'],
    ];
    for (const [overrides, code] of cases) {
      const signed = await testSignedOffer(account, peerId, overrides);
      await assert.rejects(verifyOffer(signed, verifyOptions), (e) => hasErrorCode(e, code), code);
    }
  });

  it('rejects oversize input before parsing', () => {
    assert.throws(
      () => decodeOffer(new Uint8Array(MAX_OFFER_BYTES + 1)),
      (e) => hasErrorCode(e, 'NET_OFFER_OVERSIZE'),
    );
  });

  it('rejects unknown fields, bad shapes and bad endpoints', async () => {
    const bytes = encodeOffer(await testSignedOffer(account, peerId));
    const edits: ((j: WireJson) => void)[] = [
      (j) => {
        j.extra = 1;
      },
      (j) => {
        j.offer.region = 'Germany';
      },
      (j) => {
        j.offer.priceWeiPerGiB = 1000;
      },
      (j) => {
        j.offer.priceWeiPerGiB = '01';
      },
      (j) => {
        j.offer.endpoints = ['127.0.0.1'];
      },
      (j) => {
        j.offer.endpoints = ['http://x:80'];
      },
      (j) => {
        j.offer.tunnelPublicKey = 'AAAA';
      },
      (j) => {
        j.offer.sequence = -1;
      },
      (j) => {
        j.offer.peerId = 'QmNotAPeer';
      },
      (j) => {
        delete j.offer.region;
      },
      (j) => {
        // Version 1 offers had no transports: a node of this build does not take them.
        j.v = 1;
      },
      (j) => {
        j.offer.transports = [{ name: 'meek', endpoint: '127.0.0.1:1', params: '' }];
      },
      (j) => {
        j.offer.transports = [{ name: 'obfs', endpoint: '127.0.0.1:1', params: 'psk=short' }];
      },
      (j) => {
        j.offer.transports = [{ name: 'plain', endpoint: '127.0.0.1:1', params: '', extra: 1 }];
      },
      (j) => {
        j.offer.transports = [
          { name: 'plain', endpoint: '127.0.0.1:1', params: '' },
          { name: 'plain', endpoint: '127.0.0.1:2', params: '' },
        ];
      },
      (j) => {
        j.offer.transports = [{ name: 'wss', endpoint: '127.0.0.1:1', params: 'path=/guessable' }];
      },
      (j) => {
        j.offer.transports = [{ name: 'plain', endpoint: 'x', params: '' }];
      },
      (j) => {
        delete j.offer.transports;
      },
    ];
    for (const edit of edits) {
      assert.throws(
        () => decodeOffer(mutateJson(bytes, edit)),
        (e) => hasErrorCode(e, 'NET_OFFER_MALFORMED'),
        edit.toString(),
      );
    }
  });

  it('never throws anything but an OfferError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }),
          fc.json().map((s) => new TextEncoder().encode(s)),
        ),
        (bytes) => {
          try {
            decodeOffer(bytes);
          } catch (e) {
            assert.ok(e instanceof OfferError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
