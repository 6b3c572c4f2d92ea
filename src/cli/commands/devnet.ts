/** `bandex devnet` (what `npm start` runs): the whole local network on one machine. */
import { Command, Option } from 'commander';
import { formatDevnetSummary } from '../../devnet/formatDevnetSummary.ts';
import { createLogger } from '../../log/logger.ts';
import { parseHops, parsePort } from '../options.ts';
import { waitForShutdown } from '../waitForShutdown.ts';

export function devnetCommand(): Command {
  return new Command('devnet')
    .description(
      'run the local Bandex network: chain and contracts, 3 providers, a paying client with SOCKS5/HTTP proxies',
    )
    .addOption(
      new Option('--port <port>', 'RPC port of the embedded chain; 0 picks a free one').default(0).argParser(parsePort),
    )
    .addOption(new Option('--hops <n>', "providers in the client's path (1 to 3)").default(1).argParser(parseHops))
    .option('--state-dir <dir>', 'where the devnet keeps its files (default: a new temporary folder)')
    .addOption(
      new Option('--dashboard-port <port>', 'port of the network dashboard; 0 picks a free one')
        .default(0)
        .argParser(parsePort),
    )
    .option('--json', 'print exactly one JSON line on stdout when everything is ready, then nothing else')
    .option('--demo', 'run the demo traffic generator (the default without --json)')
    .option('--no-demo', 'no demo traffic (the default with --json: exact figures for scripts)')
    .addHelpText(
      'after',
      `
Examples:
  $ npm start                         # the same as: bandex devnet
  $ bandex devnet --json              # one JSON line for scripts and tests
  $ bandex devnet --hops 3            # the client's traffic goes through three providers
  $ bandex devnet --json --demo       # JSON line, and demo traffic so earnings move
  $ bandex devnet --dashboard-port 8080 --no-demo`,
    )
    .action(
      async (options: {
        port: number;
        hops: number;
        stateDir?: string;
        json?: boolean;
        demo?: boolean;
        dashboardPort: number;
      }) => {
        const logger = createLogger({ name: 'devnet', level: options.json ? 'warn' : undefined });
        // Loaded here, not at the top: the devnet's imports would slow every other command's start.
        const { startDevnet } = await import('../../devnet/startDevnet.ts');
        const devnet = await startDevnet({
          port: options.port,
          hops: options.hops,
          stateDir: options.stateDir,
          dashboardPort: options.dashboardPort,
          demo: options.demo ?? !options.json,
          logger,
        });
        if (options.json) process.stdout.write(`${JSON.stringify(devnet.info)}\n`);
        else console.log(formatDevnetSummary(devnet.info));
        await waitForShutdown(() => devnet.stop());
      },
    );
}
