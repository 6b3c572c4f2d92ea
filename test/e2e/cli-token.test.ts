/**
 * `bandex token` and `bandex stake` / `unstake` through the real binary against an embedded chain:
 * price and quotes, buy (with the devnet faucet) and sell, provider registration, adding stake,
 * unbonding and withdrawal after the unbonding period, and wrong input (insufficient balance, below the
 * minimum stake, too early, bad peer id) with exit code and message.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { assertFailure, type Bench, startBench } from '../support/bandexCli.ts';

describe('bandex token, stake, unstake', () => {
  let bench: Bench;
  let provider: { file: string; address: `0x${string}` };
  let stranger: { file: string; address: `0x${string}` };
  let peerId: string;
  const as = (who: { file: string }, args: string[]) => bench.run([...args, '--key-file', who.file]);

  before(async () => {
    bench = await startBench('token');
    provider = bench.keyFile(2);
    stranger = bench.keyFile(4);
    peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
  });
  after(() => bench.stop());

  test('price shows the opening price, the reserve ratio and quotes', async () => {
    const result = await bench.run(['token', 'price', '--buy', '100', '--sell', '10', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const price = JSON.parse(result.stdout);
    assert.equal(price.price, '0.01');
    assert.equal(price.reserveRatioPpm, 500_000);
    assert.equal(price.reserveSymbol, 'tUSD');
    assert.ok(Number(price.buy.rbtOut) > 9_000 && Number(price.buy.rbtOut) < 10_000, price.buy.rbtOut);
    assert.ok(Number(price.sell.reserveOut) > 0.09, price.sell.reserveOut);
  });

  test('buy needs reserve; --faucet draws test dollars first; sell pays reserve back', async () => {
    assertFailure(
      await as(provider, ['token', 'buy', '100']),
      /insufficient tUSD: 0x[0-9a-fA-F]{40} holds 0 tUSD, this needs 100 tUSD: .*add --faucet/,
    );
    const bought = await as(provider, ['token', 'buy', '5000', '--faucet', '--json']);
    assert.equal(bought.code, 0, bought.stderr);
    const buy = JSON.parse(bought.stdout);
    assert.equal(buy.reserveIn, '5000');
    assert.ok(Number(buy.rbtOut) > 1_000, buy.rbtOut);
    assert.ok(Number(buy.price) > 0.01, 'the price rose');

    assertFailure(
      await as(provider, ['token', 'sell', '1000000']),
      /insufficient RBT: .* holds [\d.]+ RBT, this needs 1000000 RBT: sell less/,
    );
    const sold = await as(provider, ['token', 'sell', '10', '--json']);
    assert.equal(sold.code, 0, sold.stderr);
    assert.ok(Number(JSON.parse(sold.stdout).reserveOut) > 0);
    assert.match(sold.stderr, /sell RBT: confirmed in block/);
  });

  test('stake registers a provider the first time, then adds', async () => {
    const [unregistered, belowMin, badPeer, tooMuch] = await Promise.all([
      as(provider, ['stake', '1000']),
      as(provider, ['stake', '500', '--peer-id', peerId, '--price', '2']),
      as(provider, ['stake', '1000', '--peer-id', 'not-a-peer', '--price', '2']),
      as(stranger, ['stake', '1000', '--peer-id', peerId, '--price', '2']),
    ]);
    assertFailure(unregistered, /is not a registered provider yet: .*pass --peer-id ID/);
    assertFailure(belowMin, /a provider must stake at least 1000 RBT, not 500/);
    assertFailure(badPeer, /"not-a-peer" is not a libp2p peer id/);
    assertFailure(tooMuch, /insufficient RBT: .* holds 0 RBT, this needs 1000 RBT: buy RBT first/);

    const registered = await as(provider, [
      'stake',
      '1000',
      '--peer-id',
      peerId,
      '--price',
      '2',
      '--region',
      'de',
      '--capacity',
      '12500000',
      '--json',
    ]);
    assert.equal(registered.code, 0, registered.stderr);
    assert.deepEqual(
      { ...JSON.parse(registered.stdout), tx: undefined },
      { provider: provider.address, registered: true, added: '1000', bonded: '1000', tx: undefined },
    );
    const added = await as(provider, ['stake', '200', '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).bonded, '1200');
    assert.equal(JSON.parse(added.stdout).registered, false);

    const status = await bench.run([
      'status',
      '--rpc',
      bench.rpc,
      '--deployment',
      bench.chain.deploymentFile,
      '--json',
    ]);
    assert.equal(JSON.parse(status.stdout).providerCount, '1');
  });

  test('unstake starts unbonding; --withdraw pays out after the unbonding period', async () => {
    const [none, belowMin, stranger_] = await Promise.all([
      as(provider, ['unstake']),
      as(provider, ['unstake', '500']),
      as(stranger, ['unstake', '--all']),
    ]);
    assertFailure(none, /say what to unstake: pass an AMOUNT, or --all/);
    assertFailure(belowMin, /700 RBT would stay bonded, below the minimum stake of 1000/);
    assertFailure(stranger_, /is not a registered provider: nothing is staked/);

    const unbonded = await as(provider, ['unstake', '200', '--json']);
    assert.equal(unbonded.code, 0, unbonded.stderr);
    const unbond = JSON.parse(unbonded.stdout);
    assert.equal(unbond.unbonding, '200');
    assert.equal(unbond.bonded, '1000');
    assertFailure(
      await as(provider, ['unstake', '--withdraw']),
      /200 RBT is unbonding until \d{4}-\d\d-\d\dT[\d:]+Z: run `bandex unstake --withdraw` again after that/,
    );

    await bench.advance(86_400 + 1);
    const withdrawn = await as(provider, ['unstake', '--withdraw', '--json']);
    assert.equal(withdrawn.code, 0, withdrawn.stderr);
    assert.deepEqual(
      { ...JSON.parse(withdrawn.stdout), tx: undefined },
      { withdrawn: '200', bonded: '1000', removed: false, tx: undefined },
    );
    assertFailure(await as(provider, ['unstake', '--withdraw']), /nothing is unbonding/);

    const show = await as(provider, ['wallet', 'show', '--json']);
    const { stake } = JSON.parse(show.stdout);
    assert.deepEqual(stake, { bonded: '1000', unbonding: '0', unbondingReadyAt: null, provider: true });
  });
});
