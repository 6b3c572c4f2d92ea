/** The audit epoch schedule: the same on every auditor, every provider measured in turn, inside the epoch. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SignedOffer } from '../net/offer.ts';
import { MIN_EPOCH_MS } from './constants.ts';
import {
  auditOrder,
  CAPACITY_OFFSET_MS,
  capacitySlot,
  epochStart,
  judgeAt,
  nextEpoch,
  PUBLISH_JITTER_MS,
  publishAt,
  SLASH_DELAY_MS,
  sessionsEnd,
  slotCount,
  slotLength,
  slotStart,
} from './epochSchedule.ts';

const DEFAULT_CAPACITY = { streams: 4, warmupMs: 500, windowMs: 2_000 };

describe('audit epoch schedule', () => {
  it('the next epoch starts after now; a partial epoch is skipped', () => {
    assert.equal(nextEpoch(0, 20_000), 1);
    assert.equal(nextEpoch(39_999, 20_000), 2);
    assert.equal(nextEpoch(40_000, 20_000), 3);
    assert.equal(epochStart(3, 20_000), 60_000);
  });

  it('slots: warm-up + window + 0.5 s; the shortest epoch has one, the devnet’s 20 s has five', () => {
    const slotMs = slotLength(DEFAULT_CAPACITY);
    assert.equal(slotMs, 3_000);
    assert.equal(slotCount(MIN_EPOCH_MS, slotMs), 1);
    assert.equal(slotCount(20_000, slotMs), 5);
    assert.equal(slotCount(4_000, slotMs), 0);
  });

  it('every slot of an epoch ends by E − 3 s', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_EPOCH_MS, max: 600_000 }), (epochMs) => {
        const slotMs = slotLength(DEFAULT_CAPACITY);
        const slots = slotCount(epochMs, slotMs);
        assert.ok(slots >= 1);
        assert.ok(slotStart(0, 0, slotMs) === CAPACITY_OFFSET_MS);
        assert.ok(slotStart(0, slots - 1, slotMs) + slotMs <= epochMs - 3_000);
      }),
    );
  });

  it('one provider per slot; with more providers than slots, every provider is measured within a few epochs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 6 }),
        fc.nat(10_000),
        (n, slots, epoch) => {
          const measured = new Set<number>();
          for (let e = epoch; e < epoch + Math.ceil(n / slots); e++) {
            const taken = Array.from({ length: n }, (_, i) => capacitySlot(i, n, e, slots)).filter(
              (s) => s !== undefined,
            );
            assert.equal(new Set(taken).size, taken.length, 'no slot given twice');
            assert.equal(taken.length, Math.min(n, slots), 'every slot used while there are providers');
            for (let i = 0; i < n; i++) if (capacitySlot(i, n, e, slots) !== undefined) measured.add(i);
          }
          assert.equal(measured.size, n);
        },
      ),
    );
  });

  it('audit order is by provider address, whatever the case and the order heard', () => {
    const offer = (provider: string) => ({ offer: { provider } }) as unknown as SignedOffer;
    const heard = [
      offer('0xBB00000000000000000000000000000000000000'),
      offer('0xaa00000000000000000000000000000000000000'),
    ];
    assert.deepEqual(
      auditOrder(heard).map((o) => o.offer.provider),
      ['0xaa00000000000000000000000000000000000000', '0xBB00000000000000000000000000000000000000'],
    );
    assert.equal(heard[0]?.offer.provider, '0xBB00000000000000000000000000000000000000', 'the input is left as is');
  });

  it('sessions close before the epoch ends; reports and judgement come after it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_EPOCH_MS, max: 3_600_000 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (epochMs, r) => {
          const start = epochStart(7, epochMs);
          assert.ok(sessionsEnd(start, epochMs) < start + epochMs);
          const publish = publishAt(start, epochMs, () => r);
          assert.ok(publish >= start + epochMs && publish < start + epochMs + PUBLISH_JITTER_MS);
          assert.equal(judgeAt(start, epochMs), start + epochMs + SLASH_DELAY_MS);
        },
      ),
    );
  });
});
