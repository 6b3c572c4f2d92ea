/**
 * Entry point of the `bandex` command: registers the subcommands and turns any error
 * into one line on stderr that says what happened and what to do, with exit code 1.
 */
import { Command, CommanderError } from 'commander';
import { BaseError as ViemBaseError } from 'viem';
import { BaseError } from '../errors/BaseError.ts';
import { packageVersion } from '../packageVersion.ts';
import { auditCommand } from './commands/audit.ts';
import { chainCommand } from './commands/chain.ts';
import { channelCommand } from './commands/channel.ts';
import { connectCommand } from './commands/connect.ts';
import { deployCommand } from './commands/deploy.ts';
import { devnetCommand } from './commands/devnet.ts';
import { govCommand } from './commands/gov.ts';
import { nodeCommand } from './commands/node.ts';
import { poolCommand } from './commands/pool.ts';
import { stakeCommand } from './commands/stake.ts';
import { statusCommand } from './commands/status.ts';
import { tokenCommand } from './commands/token.ts';
import { unstakeCommand } from './commands/unstake.ts';
import { vpnCommand } from './commands/vpn.ts';
import { walletCommand } from './commands/wallet.ts';

export function buildProgram(): Command {
  return new Command('bandex')
    .description('Bandex: a peer-to-peer bandwidth market where every byte is paid through payment channels.')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage and examples)')
    .addCommand(devnetCommand())
    .addCommand(nodeCommand())
    .addCommand(connectCommand())
    .addCommand(vpnCommand())
    .addCommand(auditCommand())
    .addCommand(chainCommand())
    .addCommand(deployCommand())
    .addCommand(statusCommand())
    .addCommand(walletCommand())
    .addCommand(tokenCommand())
    .addCommand(stakeCommand())
    .addCommand(unstakeCommand())
    .addCommand(channelCommand())
    .addCommand(poolCommand())
    .addCommand(govCommand());
}

/** One line for a person: the message, then what to do. Stack traces only with DEBUG. */
export function formatError(error: unknown): string {
  if (error instanceof BaseError) return `bandex: ${error.message}`;
  // viem's messages run to many lines (docs links, the request); its short message is the one line.
  if (error instanceof ViemBaseError) return `bandex: ${error.shortMessage}`;
  if (error instanceof Error) return `bandex: ${error.message}`;
  return `bandex: ${String(error)}`;
}

async function main(): Promise<void> {
  try {
    await buildProgram()
      .exitOverride((error) => {
        throw error;
      })
      .parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    console.error(formatError(error));
    if (process.env.DEBUG) console.error(error);
    process.exit(1);
  }
}

await main();
