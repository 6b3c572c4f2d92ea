/**
 * `bandex audit` through the real binary against an embedded chain: help with examples; an account that
 * is not a staked auditor is refused unless `--register` bonds its stake; a registered auditor prints its
 * JSON line, serves /api/status with its epoch and stops on SIGTERM; wrong input is refused with exit
 * code 1 and one line that says what to do.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseUnits } from 'viem';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { isStakedAuditor } from '../../src/chain/actions/isStakedAuditor.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount } from '../../src/chain/devAccounts.ts';
import { assertFailure, type Bench, startBench } from '../support/bandexCli.ts';
import { startCli } from '../support/cli.ts';

/** The registry's epoch on the test chain (`devnetParameters.auditEpochSec`): `--epoch` must match it. */
const EPOCH_MS = 20_000;
const LOCAL = [
  '--listen',
  '/ip4/127.0.0.1/tcp/0',
  '--allow-private',
  '--api-port',
  '0',
  '--target-host',
  '127.0.0.1',
  '--target-port',
  '0',
  '--epoch',
  String(EPOCH_MS / 1000),
];
/** Reserve spent on RBT by the auditor: 1,000 RBT stake and channel deposits, as the devnet's auditors. */
const AUDITOR_RESERVE = 3_000n * 10n ** 6n;
/** SIGTERM to exit: the daemon stops its API, target and libp2p node; a few seconds at most. */
const STOP_WITHIN_MS = 5_000;

describe('bandex audit', { timeout: 120_000 }, () => {
  let bench: Bench;
  let auditor: { file: string; address: `0x${string}` };
  let unfunded: { file: string; address: `0x${string}` };

  before(async () => {
    bench = await startBench('audit');
    auditor = bench.keyFile(5);
    unfunded = bench.keyFile(8);
    const client = createChainClient(bench.rpc, devAccount(5));
    await buyRbt(client, { deployment: bench.chain.deployment, reserveIn: AUDITOR_RESERVE, useFaucet: true });
  });
  after(() => bench?.stop());

  test('--help shows the options and examples', async () => {
    const result = await bench.run(['audit', '--help']);
    assert.equal(result.code, 0, result.stderr);
    for (const option of ['--register <stake>', '--epoch <seconds>', '--target-announce-host', '--probes', '--deposit'])
      assert.ok(result.stdout.includes(option), `help names ${option}`);
    assert.match(result.stdout, /Examples:\n {2}\$ bandex audit /);
  });

  test('wrong input: not staked, stake too small or unpaid, bad epoch and probes, target, key, password', async () => {
    const dir = join(bench.dir, 'refused');
    const [notStaked, unpaid, tooSmall, shortEpoch, wordEpoch, probes, target, noKey] = await Promise.all([
      bench.run(['audit', '--key-file', unfunded.file, '--state-dir', dir, ...LOCAL]),
      bench.run(['audit', '--key-file', unfunded.file, '--state-dir', dir, '--register', '1000', ...LOCAL]),
      bench.run(['audit', '--key-file', auditor.file, '--state-dir', dir, '--register', '10', ...LOCAL]),
      bench.run(['audit', '--key-file', auditor.file, ...LOCAL, '--epoch', '5']),
      bench.run(['audit', '--key-file', auditor.file, ...LOCAL, '--epoch', 'hourly']),
      bench.run(['audit', '--key-file', auditor.file, ...LOCAL, '--probes', '0']),
      bench.run(['audit', '--key-file', auditor.file, '--state-dir', dir, '--api-port', '0']),
      bench.run(['audit', '--key-file', join(bench.dir, 'nope.key'), '--state-dir', dir, ...LOCAL]),
    ]);
    assertFailure(
      notStaked,
      new RegExp(
        `${unfunded.address} is not a staked auditor: pass --register <stake> \\(at least 1000 RBT\\) to register it`,
      ),
    );
    assertFailure(
      unpaid,
      /insufficient RBT: .* holds 0 RBT, this needs 1000 RBT: buy RBT first with `bandex token buy`/,
    );
    assertFailure(tooSmall, /an auditor must stake at least 1000 RBT, not 10: pass --register 1000 or more/);
    assertFailure(shortEpoch, /'--epoch <seconds>' argument '5' is invalid\. expected the epoch in seconds/);
    assertFailure(wordEpoch, /argument 'hourly' is invalid\. expected the epoch in seconds/);
    assertFailure(probes, /expected a whole number of canaries from 1/);
    assertFailure(target, /listens on every interface .*pass --target-announce-host/);
    assertFailure(noKey, /nope\.key/);

    const keystore = join(bench.dir, 'auditor.json');
    const imported = await bench.run(['wallet', 'import', '--key-file', unfunded.file, '--keystore', keystore], {
      env: { BANDEX_PASSWORD: 'right' },
    });
    assert.equal(imported.code, 0, imported.stderr);
    assertFailure(
      await bench.run(['audit', '--keystore', keystore, '--state-dir', dir, ...LOCAL], {
        env: { BANDEX_PASSWORD: 'wrong' },
      }),
      /wrong password for keystore .*auditor\.json/,
    );

    const client = createChainClient(bench.rpc, devAccount(5));
    assert.equal(
      await isStakedAuditor(client, { deployment: bench.chain.deployment, auditor: auditor.address }),
      false,
      'nothing was sent',
    );
  });

  test('--register bonds the stake, then the auditor serves its status and stops on SIGTERM', async () => {
    const stateDir = join(bench.dir, 'auditor');
    const { child, firstLine, stderr } = await startCli(
      ['audit', '--json', '--key-file', auditor.file, '--state-dir', stateDir, '--register', '1000', ...LOCAL],
      60_000,
      { cwd: bench.dir, env: bench.env },
    );
    const info = JSON.parse(firstLine);
    assert.equal(info.address, auditor.address);
    assert.equal(info.registered, true);
    assert.equal(info.epochMs, EPOCH_MS);
    assert.match(info.peerId, /^12D3KooW/);
    assert.match(stderr(), /register auditor: bonding 1000 RBT/);
    const client = createChainClient(bench.rpc, devAccount(5));
    assert.equal(await isStakedAuditor(client, { deployment: bench.chain.deployment, auditor: auditor.address }), true);
    const registry = await client.readContract({
      address: bench.chain.deployment.contracts.registry,
      abi: providerRegistryAbi,
      functionName: 'getAuditor',
      args: [auditor.address],
    });
    assert.equal(registry.bonded, parseUnits('1000', 18));

    const before = Math.floor(Date.now() / EPOCH_MS);
    const status = (await (await fetch(`${info.api}/api/status`)).json()) as Record<string, unknown>;
    const afterEpoch = Math.floor(Date.now() / EPOCH_MS);
    assert.equal(status.address, auditor.address);
    assert.equal(status.epochMs, EPOCH_MS);
    assert.ok(status.epoch === before || status.epoch === afterEpoch, `epoch ${status.epoch}, now ${before}`);
    assert.equal(status.reportsPublished, 0);
    assert.equal(status.reportsAnchored, 0);
    assert.equal(status.slashesSubmitted, 0);
    assert.deepEqual(status.providers, []);
    const apiInfo = (await (await fetch(`${info.api}/api/info`)).json()) as Record<string, unknown>;
    assert.equal(apiInfo.role, 'auditor');

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const stopping = Date.now();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(Date.now() - stopping < STOP_WITHIN_MS, `stopped in ${Date.now() - stopping} ms`);

    // Staked now: it starts without --register, and sends nothing.
    const again = await startCli(
      ['audit', '--json', '--key-file', auditor.file, '--state-dir', stateDir, ...LOCAL],
      60_000,
      {
        cwd: bench.dir,
        env: bench.env,
      },
    );
    assert.equal(JSON.parse(again.firstLine).registered, false);
    assert.equal(JSON.parse(again.firstLine).peerId, info.peerId, 'the same peer key from the state directory');
    const stopped = new Promise<number | null>((resolve) => again.child.once('exit', resolve));
    again.child.kill('SIGTERM');
    assert.equal(await stopped, 0);
  });
});
