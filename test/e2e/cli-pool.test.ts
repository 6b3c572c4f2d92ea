/**
 * `bandex pool` through the real binary against an embedded chain: a deposit of one denomination becomes a note
 * in a sealed notes file, `balance` reads it back after syncing with the chain; another amount, or a wallet
 * without the RBT, is refused before anything is sent.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertFailure, type Bench, startBench } from '../support/bandexCli.ts';

describe('bandex pool', () => {
  let bench: Bench;
  let client: { file: string; address: `0x${string}` };
  let stranger: { file: string; address: `0x${string}` };
  const as = (who: { file: string }, args: string[]) => bench.run([...args, '--key-file', who.file]);

  before(async () => {
    bench = await startBench('pool');
    client = bench.keyFile(1);
    stranger = bench.keyFile(4);
  });
  after(() => bench.stop());

  test('deposit a denomination, read the balance back; other amounts and empty wallets are refused', async () => {
    const bought = await as(client, ['token', 'buy', '1000', '--faucet', '--json']);
    assert.equal(bought.code, 0, bought.stderr);

    assertFailure(
      await as(client, ['pool', 'deposit', '3']),
      /deposit 3 RBT is not a pool denomination \(1, 10, 100 RBT\)/,
    );
    assertFailure(await as(stranger, ['pool', 'deposit', '10']), /insufficient RBT: .* holds 0 RBT, this needs 10 RBT/);

    const notes = join(bench.dir, 'client.notes');
    const deposited = await as(client, ['pool', 'deposit', '10', '--notes', notes, '--json']);
    assert.equal(deposited.code, 0, deposited.stderr);
    assert.equal(JSON.parse(deposited.stdout).amount, '10');
    assert.ok(!readFileSync(notes, 'utf8').includes('"value"'), 'the notes file is sealed');

    const balance = await as(client, ['pool', 'balance', '--notes', notes, '--json']);
    assert.equal(balance.code, 0, balance.stderr);
    const info = JSON.parse(balance.stdout);
    assert.equal(info.balance, '10');
    assert.deepEqual(info.notes, [{ value: '10', leafIndex: 0 }]);

    // Another wallet cannot read this notes file.
    assertFailure(
      await as(stranger, ['pool', 'balance', '--notes', notes]),
      /cannot read the pool notes .* with this wallet/,
    );
  });
});
