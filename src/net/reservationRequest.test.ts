import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { devAccount } from '../chain/devAccounts.ts';
import { codeOf } from '../errors/codeOf.ts';
import {
  decodePunchAnswer,
  decodePunchRequest,
  encodePunchAnswer,
  encodePunchRequest,
  isPunchRequest,
} from './punchRequest.ts';
import { formatRelayEndpoint, parseRelayEndpoint, reservedDestination, reservedProvider } from './relayEndpoint.ts';
import {
  decodeReservationAnswer,
  decodeReservationRequest,
  encodeReservationAnswer,
  encodeReservationRequest,
  isReservationRequest,
  MAX_RESERVATION_LIFETIME_S,
  signReservationRequest,
  verifyReservationRequest,
} from './reservationRequest.ts';
import { encodeProposal } from './sessionMessages.ts';

const account = devAccount(3);
const context = {
  chainId: 31337,
  relayKey: randomBytes(32),
  providerKey: randomBytes(32),
};
const now = 1_800_000_000;

describe('relay reservation requests', () => {
  it('round-trips and verifies for the relay and tunnel key it was signed for, only', async () => {
    const request = await signReservationRequest(account, context, now + 60);
    const payload = encodeReservationRequest(request);
    assert.ok(isReservationRequest(payload));
    const decoded = decodeReservationRequest(payload);
    assert.equal(await verifyReservationRequest(decoded, context, now), account.address);
    for (const other of [
      { ...context, relayKey: randomBytes(32) },
      { ...context, providerKey: randomBytes(32) },
      { ...context, chainId: 1 },
    ]) {
      await assert.rejects(
        verifyReservationRequest(decoded, other, now),
        (e) => codeOf(e) === 'NET_RESERVATION_REFUSED',
      );
    }
    // Claiming to be another provider with one's own signature.
    await assert.rejects(
      verifyReservationRequest({ ...decoded, provider: devAccount(4).address }, context, now),
      (e) => codeOf(e) === 'NET_RESERVATION_REFUSED',
    );
  });

  it('is refused once expired or when it expires too far ahead', async () => {
    const expired = await signReservationRequest(account, context, now);
    await assert.rejects(verifyReservationRequest(expired, context, now), /expired/);
    const far = await signReservationRequest(account, context, now + MAX_RESERVATION_LIFETIME_S + 1);
    await assert.rejects(verifyReservationRequest(far, context, now), /too far/);
  });

  it('malformed requests and answers fail with NET_RESERVATION_MALFORMED; a proposal is not a request', () => {
    for (const bad of ['', 'null', '{"type":"reserve","v":2}', '{"type":"reserve","v":1,"provider":"0x1"}']) {
      assert.throws(
        () => decodeReservationRequest(Buffer.from(bad)),
        (e) => codeOf(e) === 'NET_RESERVATION_MALFORMED',
      );
    }
    assert.throws(() => decodeReservationAnswer(Buffer.from('{"type":"reserved","v":1}')), /neither/);
    assert.deepEqual(decodeReservationAnswer(encodeReservationAnswer({ ok: false, reason: 'full' })), {
      ok: false,
      reason: 'full',
    });
    const proposal = encodeProposal({
      channelId: `0x${'11'.repeat(32)}`,
      payer: account.address,
      tickAnchor: `0x${'22'.repeat(32)}`,
      tickValue: 1n,
      priceWeiPerGiB: 1n,
      creditBytes: 1,
      chainId: 31337,
      channels: account.address,
      sessionNonce: `0x${'33'.repeat(32)}`,
      clientTunnelKey: context.providerKey.toString('base64'),
      expiry: now,
      signature: `0x${'44'.repeat(65)}`,
    });
    assert.equal(isReservationRequest(proposal), false);
  });
});

describe('relay endpoints', () => {
  it('parses relay:<address> only, and names a NATed provider as a RELAY destination', () => {
    const relay = devAccount(2).address;
    assert.equal(parseRelayEndpoint(formatRelayEndpoint(relay)), relay);
    for (const bad of ['relay:', 'relay:0x12', `relay:${relay}:1`, '10.0.0.1:4000', `relay:${relay.slice(2)}`]) {
      assert.equal(parseRelayEndpoint(bad), undefined, bad);
    }
    assert.equal(reservedProvider(reservedDestination(account.address)), account.address);
    assert.equal(reservedProvider({ host: 'example.com' }), undefined);
    assert.equal(reservedProvider({ host: '10.0.0.1' }), undefined);
  });
});

describe('punch messages', () => {
  it('round-trip; a malformed request or answer fails with NET_RESERVATION_MALFORMED', () => {
    const request = { provider: account.address, port: 40_000 };
    const payload = encodePunchRequest(request);
    assert.ok(isPunchRequest(payload));
    assert.equal(isReservationRequest(payload), false);
    assert.deepEqual(decodePunchRequest(payload), request);
    const answer = { ok: true as const, host: '203.0.113.9', port: 40_001, observed: '198.51.100.7' };
    assert.deepEqual(decodePunchAnswer(encodePunchAnswer(answer)), answer);
    for (const bad of [
      '{"type":"punch","v":1,"provider":"0x1","port":1}',
      `{"type":"punch","v":1,"provider":"${account.address}","port":0}`,
    ]) {
      assert.throws(
        () => decodePunchRequest(Buffer.from(bad)),
        (e) => codeOf(e) === 'NET_RESERVATION_MALFORMED',
      );
    }
    assert.throws(
      () => decodePunchAnswer(Buffer.from('{"type":"punched","v":1,"ok":true,"host":"x","port":70000,"observed":"y"}')),
      (e) => codeOf(e) === 'NET_RESERVATION_MALFORMED',
    );
  });
});
