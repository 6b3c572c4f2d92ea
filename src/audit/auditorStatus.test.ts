import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Address } from 'viem';
import type { SignedOffer } from '../net/offer.ts';
import type { AuditReport } from '../reputation/auditReport.ts';
import { auditorStatus } from './auditorStatus.ts';

const provider = '0x00000000000000000000000000000000000000a1' as Address;
const offer = (region: string, endpoint: string) =>
  ({ offer: { provider, region, endpoints: [endpoint] } }) as unknown as SignedOffer;
const report = (rttMicros: number) => ({ provider, rttMicros }) as AuditReport;

function statusOf(o: SignedOffer, rttMicros: number | undefined, region?: string) {
  const last = new Map(rttMicros === undefined ? [] : [[provider.toLowerCase(), report(rttMicros)]]);
  return auditorStatus({
    address: provider,
    epochMs: 20_000,
    offers: [o],
    reputation: new Map(),
    publisher: { reportsPublished: 0, reportsAnchored: 0, last },
    slashes: { slashesSubmitted: 0 },
    region,
  }).providers[0]?.regionCheck;
}

test("the auditor's status checks each provider's claimed region: GeoIP, and its canaries' round trips", () => {
  // Its endpoint is in the US, it claims DE.
  assert.equal(statusOf(offer('DE', '8.8.8.8:4100'), undefined)?.verdict, 'mismatch');
  // A private endpoint, but canaries from DE came back in 2 ms: not in Australia.
  const fast = statusOf(offer('AU', '10.0.0.7:4100'), 2_000, 'DE');
  assert.equal(fast?.verdict, 'mismatch');
  assert.match(fast?.verdict === 'mismatch' ? fast.reason : '', /faster than light/);
  // 300 ms is possible; an auditor without a declared country cannot bound anything.
  assert.equal(statusOf(offer('AU', '10.0.0.7:4100'), 300_000, 'DE')?.verdict, 'consistent');
  assert.equal(statusOf(offer('AU', '10.0.0.7:4100'), 2_000)?.verdict, 'unknown');
});
