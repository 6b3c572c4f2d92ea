/**
 * `bandex node` and `bandex connect` through the real binary against an embedded chain: a registered
 * provider starts, prints its JSON line, serves /api/status and stops on SIGTERM; wrong input is
 * refused with exit code 1 and one line that says what to do.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { parseUnits } from 'viem';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import { assertFailure, type Bench, startBench } from '../support/bandexCli.ts';
import { startCli } from '../support/cli.ts';

const LOCAL = ['--listen', '/ip4/127.0.0.1/tcp/0', '--allow-private', '--api-port', '0'];

describe('bandex node and bandex connect', { timeout: 180_000 }, () => {
  let bench: Bench;
  let provider: { file: string; address: `0x${string}` };
  let stateDir: string;

  before(async () => {
    bench = await startBench('daemons');
    provider = bench.keyFile(2);
    stateDir = join(bench.dir, 'provider');
    const { deployment } = bench.chain;
    const client = createChainClient(bench.rpc, devAccount(2));
    const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'));
    await buyRbt(client, { deployment, reserveIn: 1_000n * 10n ** 6n, useFaucet: true });
    await registerProvider(client, {
      deployment,
      peerId: peerIdFromPrivateKey(privateKey).toString(),
      priceWeiPerGiB: parseUnits('100', 18),
      region: 'DE',
      capacityBytesPerSecond: 10_000_000,
      stakeWei: parseUnits('1000', 18),
    });
  });
  after(() => bench?.stop());

  test('a registered provider starts, reports its status, and stops on SIGTERM', async () => {
    const { child, firstLine } = await startCli(
      [
        'node',
        '--json',
        '--key-file',
        provider.file,
        '--state-dir',
        stateDir,
        '--tunnel-host',
        '127.0.0.1',
        '--tunnel-port',
        '0',
        '--rate-limit',
        '10000000',
        ...LOCAL,
      ],
      60_000,
      { cwd: bench.dir, env: bench.env },
    );
    const info = JSON.parse(firstLine);
    assert.equal(info.address, provider.address);
    assert.match(info.peerId, /^12D3KooW/);
    const status = (await (await fetch(`${info.api}/api/status`)).json()) as Record<string, string | number>;
    assert.equal(status.stakeWei, parseUnits('1000', 18).toString());
    assert.equal(status.sessions, 0);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });

  test('wrong input: unregistered account, other peer key, missing key file, bad hops, address, amount, rate, premium, region', async () => {
    const client = bench.keyFile(1);
    assertFailure(
      await bench.run(['node', '--key-file', client.file, '--state-dir', join(bench.dir, 'c'), ...LOCAL]),
      /is not a registered provider with stake.*register and stake first/,
    );
    assertFailure(
      await bench.run(['node', '--key-file', provider.file, '--state-dir', join(bench.dir, 'other'), ...LOCAL]),
      /peer id .* is not the registered .*use the state directory whose peer.key was registered/,
    );
    assertFailure(await bench.run(['node', '--key-file', join(bench.dir, 'nope.key'), ...LOCAL]), /nope\.key/);
    assertFailure(await bench.run(['connect', '--key-file', client.file, '--hops', '4']), /expected 1, 2 or 3 hops/);
    assertFailure(
      await bench.run(['connect', '--key-file', client.file, '--provider', '0x1234']),
      /"0x1234" is not an address/,
    );
    assertFailure(await bench.run(['connect', '--key-file', client.file, '--deposit', 'lots']), /lots/);
    assertFailure(
      await bench.run(['node', '--key-file', provider.file, '--rate-limit', '0', ...LOCAL]),
      /expected bytes per second, a whole number from 1/,
    );
    assertFailure(
      await bench.run(['connect', '--key-file', client.file, '--priority', '20000']),
      /expected basis points from 0 to 10000/,
    );
    assertFailure(
      await bench.run(['connect', '--key-file', client.file, '--allow-region', 'Germany']),
      /expected a two-letter region code such as DE or US, got "Germany"/,
    );
  });
});
