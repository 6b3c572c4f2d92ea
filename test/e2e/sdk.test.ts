/**
 * The SDK from an app's point of view, against a real devnet: `import { createClient } from 'bandex'` (the
 * package's own entry point), a `fetch` through a paid 1-hop path to an origin the test serves, and the spend
 * the app can read. The app's key is its own (funded here like any customer), not the devnet's client.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { createClient } from 'bandex';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { readDeviceBudget } from '../../src/chain/actions/readDeviceBudget.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { readDeployment } from '../../src/chain/deployment.ts';
import { devAccount, devPrivateKey } from '../../src/chain/devAccounts.ts';
import { ROOT } from '../support/cli.ts';
import { type DevnetProcess, startDevnetCli } from '../support/devnet.ts';

const run = promisify(execFile);

/** An account the devnet leaves alone (it uses 0–12). */
const APP_ACCOUNT = 14;
/** The example's default key (dev account 13); it buys its own RBT. */
const EXAMPLE_ACCOUNT = 13;
/** The device example's default device key (its owner is dev account 16). */
const DEVICE_ACCOUNT = 15;
const BODY = Buffer.alloc(2 * 1024 * 1024, 7);

let devnet: DevnetProcess;
/** What devices posted (the unattended device example sends its readings here). */
const posted: string[] = [];
const origin = createServer((req, res) => {
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      posted.push(body);
      res.end('ok');
    });
    return;
  }
  res.writeHead(200, { 'content-length': BODY.length });
  res.end(BODY);
});

before(async () => {
  devnet = await startDevnetCli(['--hops', '1', '--auditors', '0']);
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  origin.close();
  await devnet?.stop();
});

test('an app fetches through a paid path with the SDK and reads what it spent', async () => {
  const { info } = devnet;
  const deployment = readDeployment(info.deployment);
  await buyRbt(createChainClient(info.rpc, devAccount(APP_ACCOUNT)), {
    deployment,
    reserveIn: 1_000n * 10n ** 6n,
    useFaucet: true,
  });
  const bandex = await createClient({
    rpc: info.rpc,
    deployment: info.deployment,
    privateKey: devPrivateKey(APP_ACCOUNT),
    bootstrap: info.bootstrap,
    allowPrivateAddresses: true,
  });
  try {
    assert.equal(bandex.spend().paidWei, 0n);
    const { port } = origin.address() as AddressInfo;
    const response = await bandex.fetch(`http://127.0.0.1:${port}/bytes`);
    assert.equal(response.status, 200);
    const body = Buffer.from(await response.arrayBuffer());
    assert.ok(body.equals(BODY), 'the body came through intact');
    const spend = bandex.spend();
    assert.ok(spend.bytesDown >= BODY.length, `the path carried the body (${spend.bytesDown} bytes)`);
    assert.ok(spend.paidWei > 0n, 'and it was paid for');
    const hop = bandex.status().path[0];
    assert.ok(hop && info.providers.some((p) => p.address === hop.provider), 'through a devnet provider');
  } finally {
    await bandex.close();
  }
});

test('the runnable example in docs/sdk.md works as written (its default devnet key buys its own RBT)', async () => {
  const { info } = devnet;
  const dir = mkdtempSync(join(tmpdir(), 'bandex-example-'));
  writeFileSync(join(dir, 'devnet.json'), JSON.stringify(info));
  const { port } = origin.address() as AddressInfo;
  const { stdout } = await run(process.execPath, [join(ROOT, 'examples/fetch.ts'), `http://127.0.0.1:${port}/`], {
    cwd: ROOT,
    env: { ...process.env, BANDEX_DEVNET: join(dir, 'devnet.json'), BANDEX_KEY: devPrivateKey(EXAMPLE_ACCOUNT) },
    timeout: 120_000,
  });
  const printed = JSON.parse(stdout.trim().split('\n').at(-1) as string);
  assert.equal(printed.status, 200);
  assert.equal(printed.bytes, BODY.length);
  assert.ok(BigInt(printed.paidWei) > 0n);
});

test('the unattended device example runs as written: readings paid from the owner’s budget, the rest back when it stops', async () => {
  const { info } = devnet;
  const dir = mkdtempSync(join(tmpdir(), 'bandex-device-'));
  writeFileSync(join(dir, 'devnet.json'), JSON.stringify(info));
  const { port } = origin.address() as AddressInfo;
  const { stdout } = await run(process.execPath, [join(ROOT, 'examples/device.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      BANDEX_DEVNET: join(dir, 'devnet.json'),
      BANDEX_URL: `http://127.0.0.1:${port}/readings`,
      BANDEX_READINGS: '3',
      BANDEX_INTERVAL_MS: '200',
    },
    timeout: 180_000,
  });
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    lines.filter((l) => l.reading).map((l) => l.status),
    [200, 200, 200],
  );
  const last = lines.at(-1);
  assert.equal(last.stopped, 'done');
  assert.equal(last.readings, 3);
  const device = devAccount(DEVICE_ACCOUNT);
  const readingsIn = posted.map((p) => JSON.parse(p)).filter((r) => r.device === device.address);
  assert.deepEqual(
    readingsIn.map((r) => r.n),
    [1, 2, 3],
    'the origin got every reading, through the path',
  );
  const chain = createChainClient(info.rpc, devAccount(APP_ACCOUNT));
  const deployment = readDeployment(info.deployment);
  const budget = await readDeviceBudget(chain, { deployment, device: device.address });
  const paid = BigInt(last.paidWei);
  assert.ok(paid > 0n, 'the readings were paid for');
  // The example's owner put 10 RBT in; every channel was closed cooperatively at the end, so what is left is
  // exactly 10 RBT less what the providers were paid.
  assert.equal(budget.ownerBalance, 10n * 10n ** 18n - paid, 'the unspent rest is back in the owner’s balance');
  // A period's budget counts the deposits the device locked (0.5 RBT per channel), not what they paid.
  const deposited = budget.budget - budget.available;
  assert.ok(deposited > 0n && deposited % (10n ** 18n / 2n) === 0n, `the device locked ${deposited} of its budget`);
  assert.equal(await chain.getTransactionCount({ address: device.address }), 0, 'the device sent no transaction');
});
