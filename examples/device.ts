/**
 * An unattended device on a budget: a sensor that sends a reading through a paid Bandex path every few seconds,
 * paid from its owner's on-chain budget (`DeviceBudgets`: the device key holds no RBT and no gas, the owner's
 * relayer submits its requests, and no one holding the device key can spend more than its budget per period).
 * It retries what fails, stops by itself when the budget is spent, and on SIGTERM or SIGINT closes its channels
 * cooperatively, so the unspent rest is back in the owner's budget within seconds.
 *
 *   npm start -- --json --demo > devnet.json &     # a local network; wait for its one JSON line
 *   BANDEX_DEVNET=devnet.json node_modules/.bin/node examples/device.ts
 *
 * BANDEX_DEVICE_KEY: the device (default: the local chain's dev account 15). BANDEX_OWNER_KEY: the owner, who
 * relays (default dev account 16; on a devnet it buys RBT from the test faucet and names the device with a
 * budget of 2 RBT a day, once). BANDEX_URL: where readings go (default the devnet's demo origin).
 * BANDEX_READINGS: stop after that many (default: run until stopped). BANDEX_INTERVAL_MS: default 5000.
 * Prints one JSON line per reading and one when it stops.
 */
import { readFileSync } from 'node:fs';
import {
  buyRbt,
  createChainClient,
  createClient,
  devPrivateKey,
  fundDeviceBudgets,
  readDeployment,
  readDeviceBudget,
} from 'bandex';
import { privateKeyToAccount } from 'viem/accounts';

const RBT = 10n ** 18n;
const devnet = JSON.parse(readFileSync(process.env.BANDEX_DEVNET ?? 'devnet.json', 'utf8'));
const url = process.env.BANDEX_URL ?? devnet.demoOrigin;
if (!url) throw new Error('set BANDEX_URL (or start the devnet with --demo)');
const deviceKey = (process.env.BANDEX_DEVICE_KEY as `0x${string}` | undefined) ?? devPrivateKey(15);
const ownerKey = (process.env.BANDEX_OWNER_KEY as `0x${string}` | undefined) ?? devPrivateKey(16);
const readings = Number(process.env.BANDEX_READINGS ?? Number.POSITIVE_INFINITY);
const intervalMs = Number(process.env.BANDEX_INTERVAL_MS ?? 5_000);
const deployment = readDeployment(devnet.deployment);
const device = privateKeyToAccount(deviceKey);

// The owner's part, once (on a real network: its own tool, not the device): RBT into the device budgets, and
// the device named with 2 RBT a day.
const owner = createChainClient(devnet.rpc, privateKeyToAccount(ownerKey));
const known = await readDeviceBudget(owner, { deployment, device: device.address });
if (known.owner === '0x0000000000000000000000000000000000000000') {
  await buyRbt(owner, { deployment, reserveIn: 100n * 10n ** 6n, useFaucet: true });
  await fundDeviceBudgets(owner, {
    deployment,
    deposit: 10n * RBT,
    devices: [{ device: device.address, budget: 2n * RBT, periodSec: 86_400 }],
  });
}

const bandex = await createClient({
  rpc: devnet.rpc,
  deployment,
  privateKey: deviceKey,
  device: { relayerPrivateKey: ownerKey },
  bootstrap: devnet.bootstrap,
  depositWei: RBT / 2n,
  allowPrivateAddresses: true, // a local network
});

let stopping: string | undefined;
const stop = (why: string) => {
  stopping ??= why;
};
process.once('SIGTERM', () => stop('signal'));
process.once('SIGINT', () => stop('signal'));

let sent = 0;
let failures = 0;
try {
  while (!stopping && sent < readings) {
    const reading = { device: device.address, n: sent + 1, at: new Date().toISOString(), value: Math.random() * 40 };
    try {
      const response = await bandex.fetch(url, { method: 'POST', body: JSON.stringify(reading) });
      await response.arrayBuffer();
      sent++;
      failures = 0;
      const { paidWei, blocked } = bandex.spend();
      console.log(JSON.stringify({ reading: reading.n, status: response.status, paidWei: String(paidWei) }));
      if (blocked) stop('budget'); // the budget or the deposit is spent: nothing more will be carried
    } catch (error) {
      // A path that cannot be built or broke: the client builds another for the next try; back off meanwhile.
      failures++;
      console.error(JSON.stringify({ reading: reading.n, error: String(error), retryInMs: intervalMs * failures }));
      await new Promise((resolve) => setTimeout(resolve, intervalMs * Math.min(failures, 12)));
      continue;
    }
    if (sent < readings && !stopping) await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
} finally {
  // Final receipts and vouchers, then every channel closed cooperatively: the rest goes back to the owner.
  await bandex.close();
  const { paidWei } = bandex.spend();
  console.log(JSON.stringify({ stopped: stopping ?? 'done', readings: sent, paidWei: String(paidWei) }));
}
