/**
 * The real `bandex` binary against the embedded chain: happy paths of `chain`, `status` and
 * `deploy`, and bad input — an unreachable RPC, a deployment file of another chain, a port in use,
 * a bad key file — each a one-line error that says what to do, a non-zero exit, nothing left running.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Abi, type Address, createPublicClient, http } from 'viem';
import { bandexGovernorAbi } from '../../src/chain/abi/bandexGovernor.ts';
import { bandexTimelockAbi } from '../../src/chain/abi/bandexTimelock.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { providerRegistryAbi } from '../../src/chain/abi/providerRegistry.ts';
import { devPrivateKey } from '../../src/chain/devAccounts.ts';
import { packageVersion } from '../../src/packageVersion.ts';
import { runCli, startCli } from '../support/cli.ts';
import { descendantPids, isRunning, waitFor } from '../support/processes.ts';

/** anvil's account #9 (a well-known dev key, funded on the embedded chain only). */
const DEV_KEY = '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6';

function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${stderr}`);
  assert.match(lines[0] as string, /^bandex: /);
  assert.match(lines[0] as string, pattern);
}

describe('bandex CLI against the embedded chain', () => {
  let chain: Awaited<ReturnType<typeof startCli>>;
  let info: { rpc: string; chainId: number; deployment: string };
  const dir = mkdtempSync(join(tmpdir(), 'bandex-cli-'));

  before(async () => {
    chain = await startCli(['chain', '--port', '0', '--out', join(dir, 'deployments'), '--json']);
    info = JSON.parse(chain.firstLine);
  });

  after(async () => {
    const children = descendantPids(chain.child.pid);
    chain.child.kill('SIGTERM');
    await new Promise((resolve) => chain.child.once('exit', resolve));
    assert.ok(await waitFor(() => children.every((pid) => !isRunning(pid)), 2_000));
  });

  test('status reads the deployment back', async () => {
    const result = await runCli(['status', '--rpc', info.rpc, '--deployment', info.deployment, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout);
    assert.equal(status.chainId, 31337);
    assert.equal(status.spotPrice, '0.01');
    assert.equal(status.reserveRatioPpm, '500000');
    assert.equal(status.providerCount, '0');
  });

  test('deploy with a key file writes a deployment file for the chain', async () => {
    const keyFile = join(dir, 'deployer.key');
    writeFileSync(keyFile, `${DEV_KEY}\n`, { mode: 0o600 });
    const out = join(dir, 'other');
    const result = await runCli(['deploy', '--rpc', info.rpc, '--key-file', keyFile, '--out', out, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const deployment = JSON.parse(readFileSync(join(out, '31337.json'), 'utf8'));
    const first = JSON.parse(readFileSync(info.deployment, 'utf8'));
    assert.notEqual(deployment.contracts.channels, first.contracts.channels, 'another deployer, other addresses');
  });

  test('deploy --preset production: the contracts are born with its periods, and the file says so', async () => {
    const keyFile = join(dir, 'production.key');
    writeFileSync(keyFile, `${devPrivateKey(7)}\n`, { mode: 0o600 });
    const out = join(dir, 'production');
    const result = await runCli([
      'deploy',
      '--rpc',
      info.rpc,
      '--key-file',
      keyFile,
      '--out',
      out,
      '--preset',
      'production',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /with the production preset/);
    const deployment = JSON.parse(readFileSync(join(out, '31337.json'), 'utf8'));
    assert.equal(deployment.preset, 'production');
    assert.equal(deployment.parameters.timelockDelaySec, '172800');
    const chain = createPublicClient({ transport: http(info.rpc) });
    const read = (address: Address, abi: Abi, functionName: string) =>
      chain.readContract({ address, abi, functionName }) as Promise<bigint>;
    assert.equal(await read(deployment.contracts.timelock, bandexTimelockAbi, 'getMinDelay'), 172_800n);
    assert.equal(await read(deployment.contracts.registry, providerRegistryAbi, 'epochLength'), 3_600n);
    assert.equal(await read(deployment.contracts.registry, providerRegistryAbi, 'unbondingDelay'), 604_800n);
    assert.equal(await read(deployment.contracts.channels, paymentChannelsAbi, 'challengePeriod'), 86_400n);
    assert.equal(await read(deployment.contracts.governor, bandexGovernorAbi, 'votingPeriod'), 432_000n);
    const unknown = await runCli(['deploy', '--rpc', info.rpc, '--key-file', keyFile, '--preset', 'mainnet']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /argument 'mainnet' is invalid\. Allowed choices are devnet, testnet, production/);
  });

  test("the README's way to run the CLI in a clone: npm run -s bandex, no warnings", () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
    const run = spawnSync('npm', ['run', '-s', 'bandex', '--', '--version'], { cwd: root, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), packageVersion());
    assert.equal(run.stderr, '', 'nothing on stderr: no engine warnings');
  });

  test('an unreachable --rpc is a one-line error', async () => {
    const result = await runCli(['status', '--rpc', 'http://127.0.0.1:1', '--deployment', info.deployment]);
    assert.equal(result.code, 1);
    assertOneLineError(result.stderr, /cannot reach the RPC at http:\/\/127\.0\.0\.1:1: check the URL/);
  });

  test('a deployment file of another chain id is a one-line error', async () => {
    const other = JSON.parse(readFileSync(info.deployment, 'utf8'));
    other.chainId = 8453;
    const file = join(dir, '8453.json');
    writeFileSync(file, JSON.stringify(other));
    const result = await runCli(['status', '--rpc', info.rpc, '--deployment', file]);
    assert.equal(result.code, 1);
    assertOneLineError(result.stderr, /is for chain 8453 but the RPC serves chain 31337: pass the deployment file/);
  });

  test('a missing deployment file is a one-line error', async () => {
    const result = await runCli(['status', '--rpc', info.rpc, '--deployment', join(dir, 'nope.json')]);
    assert.equal(result.code, 1);
    assertOneLineError(result.stderr, /nope\.json is unusable: no such file: write one with `bandex deploy`/);
  });

  test('a port in use is a one-line error and leaves nothing running', async () => {
    const port = new URL(info.rpc).port;
    const result = await runCli(['chain', '--port', port, '--out', join(dir, 'x')]);
    assert.equal(result.code, 1);
    assertOneLineError(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use: choose another`));
  });

  test('a bad key file is a one-line error', async () => {
    const keyFile = join(dir, 'bad.key');
    writeFileSync(keyFile, 'not a key');
    const result = await runCli(['deploy', '--rpc', info.rpc, '--key-file', keyFile]);
    assert.equal(result.code, 1);
    assertOneLineError(result.stderr, /does not hold a 32-byte hex key: the file must hold one private key/);
  });

  test('a malformed option value says what is expected', async () => {
    const result = await runCli(['chain', '--port', 'eighty']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /expected a port number from 0 to 65535/);
  });
});
