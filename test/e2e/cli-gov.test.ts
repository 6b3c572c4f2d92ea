/**
 * `bandex gov` through the real binary against an embedded chain: a whole proposal lifecycle —
 * delegate, propose a fee change, vote, queue, execute — with the wrong steps refused on the way
 * (voting before it starts, without votes, queueing too early, executing before the timelock delay).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertFailure, type Bench, startBench } from '../support/bandexCli.ts';

describe('bandex gov', () => {
  let bench: Bench;
  let holder: { file: string; address: `0x${string}` };
  let latecomer: { file: string; address: `0x${string}` };
  const as = (who: { file: string }, args: string[]) => bench.run([...args, '--key-file', who.file]);

  before(async () => {
    bench = await startBench('gov');
    holder = bench.keyFile(3);
    latecomer = bench.keyFile(4);
    // One after the other: a concurrent buy moves the curve past the other's 1 % slippage bound.
    for (const [who, amount] of [
      [holder, '1000'],
      [latecomer, '10'],
    ] as const) {
      const result = await as(who, ['token', 'buy', amount, '--faucet']);
      assert.equal(result.code, 0, result.stderr);
    }
  });
  after(() => bench.stop());

  test('propose, vote, queue, execute a fee change', async () => {
    const empty = await bench.run(['gov', 'status']);
    assert.match(empty.stdout, /No proposals yet/);

    const delegated = await as(holder, ['gov', 'delegate', '--json']);
    assert.equal(delegated.code, 0, delegated.stderr);
    assert.equal(JSON.parse(delegated.stdout).delegate, holder.address);

    const [badSignature, badArgs, badTarget] = await Promise.all([
      as(holder, ['gov', 'propose', 'channels', 'setFeeBps(uint256', '50', '-d', 'x']),
      as(holder, ['gov', 'propose', 'channels', 'setFeeBps(uint256)', 'fifty', '-d', 'x']),
      as(holder, ['gov', 'propose', 'nowhere', 'setFeeBps(uint256)', '50', '-d', 'x']),
    ]);
    assertFailure(badSignature, /"setFeeBps\(uint256" is not a function signature/);
    assertFailure(badArgs, /argument 1 "fifty" is not a uint256/);
    assertFailure(badTarget, /"nowhere" is neither a contract name nor an address/);

    const proposed = await as(holder, [
      'gov',
      'propose',
      'channels',
      'setFeeBps(uint256)',
      '50',
      '-d',
      'Fee 0.5 %',
      '--json',
    ]);
    assert.equal(proposed.code, 0, proposed.stderr);
    const { id } = JSON.parse(proposed.stdout);
    assert.match(id, /^\d+$/);
    assertFailure(await as(holder, ['gov', 'vote', id, 'for']), /voting on proposal \d+ starts at .*: vote after that/);
    await bench.advance(2);
    // Votes count only if delegated before the snapshot; the latecomer delegates after it.
    await as(latecomer, ['gov', 'delegate']);
    const [maybe, noVotes, voted] = await Promise.all([
      as(holder, ['gov', 'vote', id, 'maybe']),
      as(latecomer, ['gov', 'vote', id, 'against']),
      as(holder, ['gov', 'vote', id, 'for', '--reason', 'cheaper bandwidth', '--json']),
    ]);
    assertFailure(maybe, /"maybe" is not a vote: vote for, against or abstain/);
    assertFailure(noVotes, /had no votes at the snapshot of proposal \d+: .*bandex gov delegate/);
    assert.equal(voted.code, 0, voted.stderr);
    assert.equal(JSON.parse(voted.stdout).support, 'for');

    const active = JSON.parse((await bench.run(['gov', 'status', id, '--json'])).stdout);
    assert.equal(active.state, 'active');
    assert.equal(active.description, 'Fee 0.5 %');
    assert.ok(Number(active.votes.for) > 0);
    assertFailure(await as(holder, ['gov', 'queue', id]), /is active; queue needs it succeeded: wait for the vote/);

    await bench.advance(61);
    const queued = await as(holder, ['gov', 'queue', id, '--json']);
    assert.equal(queued.code, 0, queued.stderr);
    assert.equal(JSON.parse(queued.stdout).state, 'queued');
    assertFailure(await as(holder, ['gov', 'execute', id]), /the timelock holds proposal \d+ until/);

    await bench.advance(61);
    const executed = await as(latecomer, ['gov', 'execute', id, '--json']);
    assert.equal(executed.code, 0, executed.stderr);
    assert.equal(JSON.parse(executed.stdout).state, 'executed');

    const [list, status] = await Promise.all([
      bench.run(['gov', 'status', '--json']),
      bench.run(['status', '--rpc', bench.rpc, '--deployment', bench.chain.deploymentFile, '--json']),
    ]);
    assert.equal(JSON.parse(list.stdout)[0].state, 'executed');
    assert.equal(JSON.parse(status.stdout).feeBps, '50', 'the fee changed through governance');
  });

  test('unknown proposals and bad ids are refused', async () => {
    const [unknown, badId] = await Promise.all([
      bench.run(['gov', 'status', '12345']),
      bench.run(['gov', 'vote', 'abc', 'for']),
    ]);
    assertFailure(unknown, /no proposal 12345: list them with `bandex gov status`/);
    assertFailure(badId, /"abc" is not a proposal id/);
  });
});
