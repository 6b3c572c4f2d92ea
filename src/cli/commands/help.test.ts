/** Every wallet/token/stake/unstake/channel/gov command and subcommand has help with examples. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { channelCommand } from './channel.ts';
import { govCommand } from './gov.ts';
import { stakeCommand } from './stake.ts';
import { tokenCommand } from './token.ts';
import { unstakeCommand } from './unstake.ts';
import { walletCommand } from './wallet.ts';

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

function* walk(command: Command, path: string[] = []): Generator<[string, Command]> {
  const name = [...path, command.name()];
  yield [name.join(' '), command];
  for (const sub of command.commands) yield* walk(sub, name);
}

test('help with examples for every command', () => {
  const roots = [walletCommand(), tokenCommand(), stakeCommand(), unstakeCommand(), channelCommand(), govCommand()];
  let count = 0;
  for (const root of roots) {
    for (const [name, command] of walk(root)) {
      const help = helpOf(command);
      assert.match(help, /Examples:\n {2}\$ bandex /, `${name} --help has examples`);
      assert.ok(command.description().length > 10, `${name} has a description`);
      count++;
    }
  }
  assert.ok(count >= 23, `${count} commands`);
});
