/** `bandex chain`: the embedded chain alone (anvil + deployed contracts + deployment file). */
import { Command, Option } from 'commander';
import { startEmbeddedChain } from '../../chain/startEmbeddedChain.ts';
import { createLogger } from '../../log/logger.ts';
import { parsePort } from '../options.ts';
import { waitForShutdown } from '../waitForShutdown.ts';

export function chainCommand(): Command {
  return new Command('chain')
    .description(
      'start the embedded chain (anvil on 127.0.0.1), deploy the contracts, write deployments/<chainId>.json',
    )
    .addOption(new Option('--port <port>', 'RPC port; 0 picks a free one').default(8545).argParser(parsePort))
    .option('--out <dir>', 'folder for the deployment file', 'deployments')
    .option('--json', 'print one JSON line with rpc, chainId, contracts and the deployment file when ready')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex chain                      # RPC on http://127.0.0.1:8545, deployments/31337.json
  $ bandex chain --port 0 --json      # a free port; one JSON line on stdout`,
    )
    .action(async (options: { port: number; out: string; json?: boolean }) => {
      const logger = createLogger({ name: 'chain' });
      const chain = await startEmbeddedChain({ port: options.port, deploymentsDir: options.out, logger });
      const info = {
        rpc: chain.anvil.rpcUrl,
        chainId: chain.anvil.chainId,
        contracts: chain.deployment.contracts,
        deployment: chain.deploymentFile,
      };
      const shutdown = waitForShutdown(() => chain.stop());
      if (options.json) process.stdout.write(`${JSON.stringify(info)}\n`);
      else
        console.log(
          `Embedded chain ${info.chainId} at ${info.rpc}\nDeployment file: ${info.deployment}\nPress Ctrl-C to stop.`,
        );
      await shutdown;
    });
}
