/** The part lifecycle: start in order, stop in reverse, keep stopping past a failure, undo a failed start. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasErrorCode } from '../errors/BaseError.ts';
import { type Component, ComponentStack, ComponentStopError, running, startAll, stopAll } from './component.ts';

function recorder() {
  const log: string[] = [];
  const part = (name: string, fail: { start?: boolean; stop?: boolean } = {}): Component => ({
    start: async () => {
      await Promise.resolve();
      if (fail.start) throw new Error(`${name} cannot start`);
      log.push(`start ${name}`);
    },
    stop: () => {
      if (fail.stop) throw new Error(`${name} cannot stop`);
      log.push(`stop ${name}`);
    },
  });
  return { log, part };
}

describe('component lifecycle', () => {
  it('starts in order and stops in reverse order', async () => {
    const { log, part } = recorder();
    const parts = [part('node'), part('directory'), part('api')];
    await startAll(parts);
    await stopAll(parts);
    assert.deepEqual(log, ['start node', 'start directory', 'start api', 'stop api', 'stop directory', 'stop node']);
  });

  it('keeps stopping when a part fails to stop, then reports every failure at once', async () => {
    const { log, part } = recorder();
    const parts = [part('node'), part('directory', { stop: true }), part('api', { stop: true })];
    await startAll(parts);
    const error = await stopAll(parts).then(
      () => assert.fail('stopAll resolved'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ComponentStopError);
    assert.ok(hasErrorCode(error, 'COMPONENT_STOP_FAILED'));
    assert.equal(error.meta.errors.length, 2);
    assert.match(String((error.cause as Error).message), /api cannot stop/);
    assert.deepEqual(log.slice(3), ['stop node']);
  });

  it('a failed start stops the parts already started, newest first, and rethrows the start error', async () => {
    const { log, part } = recorder();
    const parts = [part('node'), part('directory'), part('api', { start: true }), part('never')];
    await assert.rejects(startAll(parts), /api cannot start/);
    assert.deepEqual(log, ['start node', 'start directory', 'stop directory', 'stop node']);
  });

  it('a failed start keeps the stop failures of the undo as `suppressed`', async () => {
    const { part } = recorder();
    const error = await startAll([part('node', { stop: true }), part('api', { start: true })]).then(
      () => assert.fail('startAll resolved'),
      (e: unknown) => e as Error & { suppressed?: unknown },
    );
    assert.match(error.message, /api cannot start/);
    assert.ok(error.suppressed instanceof ComponentStopError);
  });

  it('`running` wraps something already started: start does nothing, stop stops it', async () => {
    let stopped = 0;
    const server = running(() => {
      stopped++;
    });
    await startAll([server]);
    assert.equal(stopped, 0);
    await stopAll([server]);
    assert.equal(stopped, 1);
  });

  it('a ComponentStack starts parts as they are added and stops them newest first, once', async () => {
    const { log, part } = recorder();
    const parts = new ComponentStack();
    const store = parts.running({ name: 'store' }, (s) => {
      log.push(`close ${s.name}`);
    });
    assert.equal(store.name, 'store');
    await parts.add(part('node'));
    await parts.add(part('paths', { stop: true }));
    await assert.rejects(parts.stop(), ComponentStopError);
    await parts.stop();
    assert.deepEqual(log, ['start node', 'start paths', 'stop node', 'close store']);
  });
});
