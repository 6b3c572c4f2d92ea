/**
 * Fetch a URL through a paid Bandex path from your own code, and print what it cost.
 *
 *   npm start -- --json --demo > devnet.json &     # a local network; wait for its one JSON line
 *   BANDEX_DEVNET=devnet.json node_modules/.bin/node examples/fetch.ts [URL]
 *
 * BANDEX_KEY is the paying key (it needs RBT and gas); on a devnet it defaults to the local chain's dev
 * account 13, which the devnet leaves unused, and buys its RBT from the test faucet.
 */
import { readFileSync } from 'node:fs';
import { buyRbt, createChainClient, createClient, devPrivateKey, readDeployment } from 'bandex';
import { privateKeyToAccount } from 'viem/accounts';

const devnet = JSON.parse(readFileSync(process.env.BANDEX_DEVNET ?? 'devnet.json', 'utf8'));
const url = process.argv[2] ?? devnet.demoOrigin;
if (!url) throw new Error('usage: node examples/fetch.ts URL (or start the devnet with --demo)');
const privateKey = (process.env.BANDEX_KEY as `0x${string}` | undefined) ?? devPrivateKey(13);

// A devnet customer buys its RBT first (the faucet gives the test reserve token).
const wallet = createChainClient(devnet.rpc, privateKeyToAccount(privateKey));
await buyRbt(wallet, { deployment: readDeployment(devnet.deployment), reserveIn: 100n * 10n ** 6n, useFaucet: true });

const bandex = await createClient({
  rpc: devnet.rpc,
  deployment: devnet.deployment,
  privateKey,
  bootstrap: devnet.bootstrap,
  hops: Number(process.env.BANDEX_HOPS ?? 1) as 1 | 2 | 3,
  allowPrivateAddresses: true, // a local network
});
try {
  const response = await bandex.fetch(url);
  const body = await response.arrayBuffer();
  const { paidWei, bytesDown } = bandex.spend();
  const via = bandex.status().path.map((hop) => hop.provider);
  console.log(
    JSON.stringify({ status: response.status, bytes: body.byteLength, bytesDown, paidWei: String(paidWei), via }),
  );
} finally {
  await bandex.close();
}
