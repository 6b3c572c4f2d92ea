/** The client's memory of blocked transports: what counts as a block, and for how long. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BLOCKED_TRANSPORT_MS, BlockedTransports, isBlockingFailure } from './BlockedTransports.ts';
import { TransportError } from './errors.ts';

describe('BlockedTransports', () => {
  it('resets, refusals and handshake failures are blocks, anywhere in the cause chain; other errors are not', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    assert.ok(isBlockingFailure(reset));
    assert.ok(
      isBlockingFailure(new TransportError('Could not connect', { code: 'TRANSPORT_CONNECT_FAILED', cause: reset })),
    );
    assert.ok(isBlockingFailure(new Error('outer', { cause: { code: 'TUNNEL_HANDSHAKE_TIMEOUT' } })));
    assert.ok(!isBlockingFailure(new Error('no code')));
    assert.ok(!isBlockingFailure({ code: 'VOUCHER_TOO_LOW' }));
    assert.ok(!isBlockingFailure(undefined));
  });

  it('moves a blocked transport to the back for that provider only, until it expires', () => {
    let now = 1_000;
    const blocked = new BlockedTransports(() => now);
    const choices = [{ name: 'obfs' as const }, { name: 'wss' as const }, { name: 'plain' as const }];
    blocked.block('0xAbC', 'obfs');
    assert.deepEqual(
      blocked.order('0xabc', choices).map((c) => c.name),
      ['wss', 'plain', 'obfs'],
    );
    assert.deepEqual(
      blocked.order('0xdef', choices).map((c) => c.name),
      ['obfs', 'wss', 'plain'],
    );
    now += BLOCKED_TRANSPORT_MS;
    assert.deepEqual(
      blocked.order('0xabc', choices).map((c) => c.name),
      ['obfs', 'wss', 'plain'],
    );
  });

  it('remembers why a transport was blocked (a reset, or throttling), until it expires', () => {
    let now = 1_000;
    const blocked = new BlockedTransports(() => now);
    blocked.block('0xabc', 'obfs', 'throttled');
    blocked.block('0xabc', 'wss');
    assert.equal(blocked.reason('0xABC', 'obfs'), 'throttled');
    assert.equal(blocked.reason('0xabc', 'wss'), 'reset');
    assert.equal(blocked.reason('0xabc', 'plain'), undefined);
    now += BLOCKED_TRANSPORT_MS;
    assert.equal(blocked.reason('0xabc', 'obfs'), undefined);
    assert.equal(blocked.isBlocked('0xabc', 'obfs'), false);
  });
});
