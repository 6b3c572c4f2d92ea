import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CLOSE_BEFORE_END_MS, epochStart, sessionsEnd } from './epochSchedule.ts';
import {
  downloadMoment,
  drawSessionShape,
  MAX_DOWN_BYTES,
  MAX_UP_BYTES,
  MIN_DOWN_BYTES,
  MIN_SESSION_MS,
  MIN_UP_BYTES,
  maxProbeSessionMs,
  momentsIn,
  probeSessionWindow,
} from './sessionShape.ts';

const unit = fc.double({ min: 0, max: 0.999_999, noNaN: true });

describe('session shapes shared by probes and customers', () => {
  it('draws durations and volumes inside their ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3_600_000 }), fc.array(unit, { minLength: 4, maxLength: 4 }), (cap, us) => {
        let i = 0;
        const shape = drawSessionShape(cap, () => us[i++] as number);
        assert.ok(shape.durationMs >= MIN_SESSION_MS && shape.durationMs <= Math.max(cap, MIN_SESSION_MS));
        assert.ok(shape.downBytes >= MIN_DOWN_BYTES && shape.downBytes <= MAX_DOWN_BYTES);
        assert.ok(shape.upBytes >= MIN_UP_BYTES && shape.upBytes <= MAX_UP_BYTES);
        assert.ok(shape.downloadAt >= 0 && shape.downloadAt < 1);
      }),
    );
  });

  it('a probe session lasts its duration, ends by the epoch’s close and starts at any offset of the epoch', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10_000, max: 3_600_000 }), unit, unit, (epochMs, d, u) => {
        const start = epochStart(11, epochMs);
        const durationMs = MIN_SESSION_MS + d * (maxProbeSessionMs(epochMs) - MIN_SESSION_MS);
        const w = probeSessionWindow(start, epochMs, durationMs, CLOSE_BEFORE_END_MS, u);
        assert.ok(Math.abs(w.end - w.start - durationMs) < 1e-6);
        assert.ok(w.end <= sessionsEnd(start, epochMs) + 1e-6);
        // It ends no earlier than the previous epoch's sessions may, so the two do not overlap by design.
        assert.ok(w.end >= sessionsEnd(start - epochMs, epochMs) - 1e-6);
        // Its start is a uniform moment of an epoch-long window: u maps onto every offset of the epoch once.
        const offset = (((w.start - start) % epochMs) + epochMs) % epochMs;
        const expected = (((u * epochMs - CLOSE_BEFORE_END_MS - durationMs) % epochMs) + epochMs) % epochMs;
        assert.ok(Math.abs(offset - expected) < 1e-6 || Math.abs(Math.abs(offset - expected) - epochMs) < 1e-6);
      }),
    );
  });

  it('canaries and the download fall inside the session, ascending', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: MIN_SESSION_MS, max: 600_000 }),
        fc.nat(20),
        unit,
        (from, length, n, r) => {
          const moments = momentsIn(from, from + length, n, () => r);
          assert.equal(moments.length, n);
          for (const m of moments) assert.ok(m >= from && m <= from + length);
          assert.deepEqual(
            moments,
            [...moments].sort((a, b) => a - b),
          );
          const shape = drawSessionShape(length, () => r);
          const at = downloadMoment(from, from + length, shape);
          assert.ok(at >= from && at <= from + length);
        },
      ),
    );
  });
});
