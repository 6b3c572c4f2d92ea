import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPublicClient, http } from 'viem';
import { startAnvil } from '../../src/chain/anvil.ts';
import { hasErrorCode } from '../../src/errors/BaseError.ts';
import { descendantPids, isRunning } from '../support/processes.ts';

test('anvil starts on a free port, answers RPC, and stops leaving no process', async () => {
  const anvil = await startAnvil({ port: 0 });
  try {
    assert.ok(anvil.port > 0);
    const client = createPublicClient({ transport: http(anvil.rpcUrl) });
    assert.equal(await client.getChainId(), 31337);
    assert.ok(isRunning(anvil.pid));
  } finally {
    await anvil.stop();
  }
  assert.equal(isRunning(anvil.pid), false);
});

test('a port in use is a CHAIN_PORT_IN_USE error and leaves nothing running', async () => {
  const first = await startAnvil({ port: 0 });
  try {
    const before = descendantPids();
    await assert.rejects(startAnvil({ port: first.port }), (error: Error) => {
      assert.ok(hasErrorCode(error, 'CHAIN_PORT_IN_USE'));
      assert.match(error.message, /already in use.*--port 0/);
      return true;
    });
    assert.deepEqual(descendantPids(), before);
  } finally {
    await first.stop();
  }
});
