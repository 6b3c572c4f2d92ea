/** `bandex status`: what a Bandex deployment on a chain looks like right now. */
import { Command, Option } from 'commander';
import { readNetworkStatus } from '../../chain/actions/readNetworkStatus.ts';
import { connectRpc } from '../../chain/connect.ts';
import { deploymentPath, readDeployment } from '../../chain/deployment.ts';
import { parseUrl } from '../options.ts';

export function statusCommand(): Command {
  return new Command('status')
    .description('show the state of a Bandex deployment: price, reserve ratio, providers, fee')
    .addOption(new Option('--rpc <url>', 'JSON-RPC endpoint').default('http://127.0.0.1:8545').argParser(parseUrl))
    .option('--deployment <file>', 'deployment file (default: deployments/<chainId>.json)')
    .option('--json', 'print one JSON line')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex status                                   # the embedded chain of \`bandex chain\`
  $ bandex status --rpc https://l2.example/rpc --deployment deployments/8453.json --json`,
    )
    .action(async (options: { rpc: string; deployment?: string; json?: boolean }) => {
      let connection = await connectRpc(options.rpc);
      const file = options.deployment ?? deploymentPath('deployments', connection.chainId);
      const deployment = readDeployment(file);
      connection = await connectRpc(options.rpc, { file, deployment });
      const status = await readNetworkStatus(connection.client, { deployment });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(status)}\n`);
        return;
      }
      console.log(
        [
          `chain ${status.chainId} at block ${status.blockNumber} (${options.rpc})`,
          `RBT spot price   ${status.spotPrice} reserve units`,
          `reserve ratio    ${Number(status.reserveRatioPpm) / 10_000}%`,
          `providers        ${status.providerCount}`,
          `protocol fee     ${Number(status.feeBps) / 100}%`,
        ].join('\n'),
      );
    });
}
