/**
 * A real provider (`startProvider`, the daemon `bandex node` runs) in a process of its own, for the
 * adversarial suite: its memory can be measured on its own and it can be killed with SIGKILL and
 * restarted on the same state directory. Prints one JSON line (peer id, multiaddrs, tunnel, API) once
 * it serves. Configuration: one JSON argument.
 */
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { readDeployment } from '../../src/chain/deployment.ts';
import { createLogger } from '../../src/log/logger.ts';
import { startProvider } from '../../src/provider/startProvider.ts';
import { equivocateOn } from './equivocate.ts';

type Config = {
  rpc: string;
  deploymentFile: string;
  stateDir: string;
  key: Hex;
  maxCreditBytes?: number;
  /** `equivocate`: every countersigned receipt is followed by a second, different one (`equivocate.ts`). */
  fault?: 'equivocate';
};

const config = JSON.parse(process.argv[2] as string) as Config;
const account = privateKeyToAccount(config.key);
const deployment = readDeployment(config.deploymentFile);
const provider = await startProvider({
  client: createChainClient(config.rpc, account),
  deployment,
  onSession:
    config.fault === 'equivocate'
      ? equivocateOn(account, { chainId: deployment.chainId, registry: deployment.contracts.registry })
      : undefined,
  stateDir: config.stateDir,
  listen: ['/ip4/127.0.0.1/tcp/0'],
  bootstrap: [],
  exitPolicy: { devnet: true },
  // Redeem nothing on its own: the tests read the claims from the provider's database.
  redeemPolicy: { minRedeemWei: 2n ** 255n, maxIntervalMs: 3_600_000, minGasMultiple: 0n },
  confirmations: 0,
  watcherPollMs: 200,
  allowPrivateAddresses: true,
  maxCreditBytes: config.maxCreditBytes,
  logger: createLogger({ name: 'provider', level: process.env.LOG_LEVEL ?? 'warn' }),
});
process.stdout.write(
  `${JSON.stringify({ peerId: provider.peerId, multiaddrs: provider.multiaddrs, tunnel: provider.tunnel.address, api: provider.api.url })}\n`,
);
process.once('SIGTERM', () => void provider.stop().then(() => process.exit(0)));
