import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { testProposal } from '../../test/support/netFixtures.ts';
import { hasErrorCode } from '../errors/BaseError.ts';
import { SessionError } from './errors.ts';
import { decodeAnswer, decodeProposal, encodeAnswer, encodeProposal } from './sessionMessages.ts';

describe('session messages', () => {
  it('round-trip proposal, accept and refuse', () => {
    const p = testProposal();
    assert.deepEqual(decodeProposal(encodeProposal(p)), p);
    const accept = {
      ok: true as const,
      sessionNonce: p.sessionNonce,
      sessionId: `0x${'11'.repeat(32)}` as const,
      channel: { servedBytes: 0, claim: null },
    };
    assert.deepEqual(decodeAnswer(encodeAnswer(accept)), accept);
    const resumed = {
      ...accept,
      channel: {
        servedBytes: 5 * 65_536 + 7,
        claim: {
          amount: 10n ** 18n,
          tickAnchor: `0x${'22'.repeat(32)}` as const,
          tickValue: 61_035_156_250_000n,
          signature: `0x${'33'.repeat(64)}1c` as const,
          preimage: `0x${'44'.repeat(32)}` as const,
          ticks: 17,
        },
      },
    };
    assert.deepEqual(decodeAnswer(encodeAnswer(resumed)), resumed);
    const refuse = {
      ok: false as const,
      sessionNonce: p.sessionNonce,
      code: 'CHANNEL_UNKNOWN',
      reason: 'no such channel',
    };
    assert.deepEqual(decodeAnswer(encodeAnswer(refuse)), refuse);
  });

  it('rejects malformed proposals', () => {
    const good = JSON.parse(new TextDecoder().decode(encodeProposal(testProposal())));
    const bad = [
      { ...good, extra: true },
      { ...good, type: 'accept' },
      { ...good, v: 1 },
      { ...good, expiry: -1 },
      { ...good, expiry: '1' },
      { ...good, signature: '0x12' },
      (({ signature: _, ...rest }) => rest)(good),
      { ...good, channelId: '0x12' },
      { ...good, tickValue: 5 },
      { ...good, creditBytes: 0 },
      { ...good, creditBytes: 2 ** 60 },
      { ...good, payer: 'alice' },
      { ...good, clientTunnelKey: 'short' },
    ];
    for (const m of bad) {
      assert.throws(
        () => decodeProposal(new TextEncoder().encode(JSON.stringify(m))),
        (e) => hasErrorCode(e, 'NET_SESSION_MALFORMED'),
      );
    }
  });

  it('decoders throw only SessionError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.json().map((s) => new TextEncoder().encode(s)),
        ),
        (bytes) => {
          for (const decode of [decodeProposal, decodeAnswer]) {
            try {
              decode(bytes);
            } catch (e) {
              assert.ok(e instanceof SessionError);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
