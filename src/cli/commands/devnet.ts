/** `bandex devnet` (what `npm start` runs): the whole local network on one machine. */
import { Command, Option } from 'commander';
import { formatDevnetSummary } from '../../devnet/formatDevnetSummary.ts';
import { startDevnet } from '../../devnet/startDevnet.ts';
import { createLogger } from '../../log/logger.ts';
import { parsePort } from '../options.ts';
import { waitForShutdown } from '../waitForShutdown.ts';

export function devnetCommand(): Command {
  return new Command('devnet')
    .description('run the local Bandex network (so far: the embedded chain with every contract deployed)')
    .addOption(
      new Option('--port <port>', 'RPC port of the embedded chain; 0 picks a free one').default(0).argParser(parsePort),
    )
    .option('--state-dir <dir>', 'where the devnet keeps its files (default: a new temporary folder)')
    .option('--json', 'print exactly one JSON line on stdout when everything is ready, then nothing else')
    .addHelpText(
      'after',
      `
Examples:
  $ npm start                         # the same as: bandex devnet
  $ bandex devnet --json              # one JSON line for scripts and tests`,
    )
    .action(async (options: { port: number; stateDir?: string; json?: boolean }) => {
      const logger = createLogger({ name: 'devnet', level: options.json ? 'warn' : undefined });
      const devnet = await startDevnet({ port: options.port, stateDir: options.stateDir, logger });
      if (options.json) process.stdout.write(`${JSON.stringify(devnet.info)}\n`);
      else console.log(formatDevnetSummary(devnet.info));
      await waitForShutdown(() => devnet.stop());
    });
}
