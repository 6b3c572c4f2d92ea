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
const BODY = Buffer.alloc(2 * 1024 * 1024, 7);

let devnet: DevnetProcess;
const origin = createServer((_req, res) => {
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
