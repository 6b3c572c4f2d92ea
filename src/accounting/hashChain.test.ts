import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { hasErrorCode } from '../errors/BaseError.ts';
import { CHAIN_CHECKPOINT_INTERVAL, TICK_MAX_GAP } from './constants.ts';
import { sha256, TickChain, TickVerifier } from './hashChain.ts';

/** The whole chain, naively: x0 = seed, x_{i+1} = sha256(x_i). */
function naive(seed: Buffer, length: number): Buffer[] {
  const xs = [seed];
  for (let i = 0; i < length; i++) xs.push(sha256(xs[i] as Buffer));
  return xs;
}

test('ticks reveal x_{N-1}, x_{N-2}, … exactly as the naive chain, across checkpoint segments', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3 * CHAIN_CHECKPOINT_INTERVAL + 7 }), (length) => {
      const seed = randomBytes(32);
      const xs = naive(seed, length);
      const chain = TickChain.create(length, seed);
      assert.ok(chain.anchor.equals(xs[length] as Buffer));
      for (let i = 1; i <= length; i++) assert.ok(chain.next().equals(xs[length - i] as Buffer), `tick ${i}`);
      assert.throws(
        () => chain.next(),
        (e) => hasErrorCode(e, 'TICK_CHAIN_EXHAUSTED'),
      );
    }),
    { numRuns: 12 },
  );
});

test('the verifier accepts every tick in order with one hash and rejects the rest unchanged', () => {
  const chain = TickChain.create(100);
  const verifier = new TickVerifier(chain.anchor);
  const ticks = Array.from({ length: 100 }, () => chain.next());
  assert.equal(verifier.accept(ticks[0] as Buffer), 1);
  // Replay, forgery, truncation: rejected, state unchanged.
  for (const bad of [ticks[0] as Buffer, randomBytes(32), (ticks[1] as Buffer).subarray(0, 31)]) {
    assert.throws(
      () => verifier.accept(bad),
      (e) => hasErrorCode(e, 'TICK_MISMATCH'),
    );
    assert.equal(verifier.claim.ticks, 1);
  }
  // A small gap (lost messages) is worth the ticks it skips; a large one is rejected.
  assert.equal(verifier.accept(ticks[4] as Buffer), 4);
  assert.throws(
    () => verifier.accept(ticks[5 + TICK_MAX_GAP] as Buffer),
    (e) => hasErrorCode(e, 'TICK_MISMATCH'),
  );
  assert.equal(verifier.claim.ticks, 5);
  assert.ok(verifier.claim.preimage.equals(ticks[4] as Buffer));
  // The claim verifies as the contract does: sha256^ticks(preimage) == anchor.
  let x = verifier.claim.preimage;
  for (let i = 0; i < verifier.claim.ticks; i++) x = sha256(x);
  assert.ok(x.equals(chain.anchor));
});

test('a verifier anchored at the chain head continues the chain (what a checkpoint voucher does)', () => {
  const chain = TickChain.create(50);
  const verifier = new TickVerifier(chain.anchor);
  for (let i = 0; i < 10; i++) verifier.accept(chain.next());
  const continued = new TickVerifier(chain.head);
  assert.equal(continued.accept(chain.next()), 1);
  assert.equal(continued.claim.ticks, 1);
});

test('revealing several ticks at once gives the element single ticks would reach, across segments', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 * CHAIN_CHECKPOINT_INTERVAL + 5 }),
      fc.array(fc.integer({ min: 1, max: CHAIN_CHECKPOINT_INTERVAL + 3 }), { minLength: 1, maxLength: 8 }),
      (length, steps) => {
        const seed = randomBytes(32);
        const xs = naive(seed, length);
        const chain = TickChain.create(length, seed);
        const verifier = new TickVerifier(chain.anchor);
        let revealed = 0;
        for (const step of steps) {
          const count = Math.min(step, chain.remaining);
          if (count === 0) break;
          const element = chain.take(count);
          revealed += count;
          assert.ok(element.equals(xs[length - revealed] as Buffer));
          assert.ok(chain.head.equals(element));
          verifier.acceptBatch(element, count);
          assert.equal(verifier.claim.ticks, revealed);
        }
        if (chain.remaining > 0) assert.ok(chain.next().equals(xs[length - revealed - 1] as Buffer));
        assert.throws(
          () => chain.take(chain.remaining + 1),
          (e) => hasErrorCode(e, 'TICK_CHAIN_EXHAUSTED'),
        );
      },
    ),
    { numRuns: 20 },
  );
});

test('a batch is accepted only for its exact count', () => {
  const chain = TickChain.create(20);
  const verifier = new TickVerifier(chain.anchor);
  const three = chain.take(3);
  for (const count of [1, 2, 4, 0, -1, 1.5])
    assert.throws(
      () => verifier.acceptBatch(three, count),
      (e) => hasErrorCode(e, 'TICK_MISMATCH'),
    );
  assert.equal(verifier.claim.ticks, 0);
  verifier.acceptBatch(three, 3);
  assert.equal(verifier.claim.ticks, 3);
  assert.throws(
    () => verifier.acceptBatch(three, 3),
    (e) => hasErrorCode(e, 'TICK_MISMATCH'),
  );
});
