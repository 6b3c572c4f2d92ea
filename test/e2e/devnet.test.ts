/**
 * The main job end to end: `bandex devnet --json` (what `npm start -- --json` runs) prints one
 * JSON line with a live RPC and deployed contracts, and SIGTERM stops everything within 5 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPublicClient, http } from 'viem';
import { bondingCurveAbi } from '../../src/chain/abi/bondingCurve.ts';
import { assertFailure } from '../support/bandexCli.ts';
import { runCli, startCli } from '../support/cli.ts';
import { descendantPids, isRunning, waitFor } from '../support/processes.ts';

test('devnet --json: one JSON line, live chain with contracts, SIGTERM stops everything in ≤ 5 s', async () => {
  const started = Date.now();
  const devnet = await startCli(['devnet', '--json'], 60_000);
  const info = JSON.parse(devnet.firstLine);
  assert.ok(Date.now() - started < 60_000);
  assert.match(info.rpc, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(info.chainId, 31337);

  const client = createPublicClient({ transport: http(info.rpc) });
  assert.equal(await client.getChainId(), 31337);
  for (const name of ['token', 'curve', 'registry', 'channels', 'governor']) {
    const code = await client.getCode({ address: info.contracts[name] });
    assert.ok(code && code.length > 2, `${name} has code`);
  }
  const token = await client.readContract({
    address: info.contracts.curve,
    abi: bondingCurveAbi,
    functionName: 'token',
  });
  assert.equal(token.toLowerCase(), info.contracts.token.toLowerCase());

  const children = descendantPids(devnet.child.pid);
  assert.ok(children.length >= 1, 'devnet runs anvil as a child');
  const stopAt = Date.now();
  devnet.child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => devnet.child.once('exit', resolve));
  const stopMs = Date.now() - stopAt;
  assert.equal(code, 0);
  assert.ok(stopMs <= 5_000, `stopped in ${stopMs} ms`);
  assert.ok(await waitFor(() => children.every((pid) => !isRunning(pid)), 1_000), 'no child left running');
  assert.equal(devnet.stdout().trim().split('\n').length, 1, 'exactly one line on stdout');
});

test('devnet: wrong fault mode, auditor count or epoch is refused before anything starts', async () => {
  assertFailure(await runCli(['devnet', '--faulty', 'sleepy']), /expected one of blackhole, throttle, overclaim/);
  assertFailure(await runCli(['devnet', '--auditors', '5']), /expected 0 to 3 auditors/);
  assertFailure(await runCli(['devnet', '--epoch', '2']), /expected the epoch in seconds, from 10 to 604800/);
});
