/** `bandex vpn down`: undo what `bandex connect --vpn` left after a crash (kill switch, routes, DNS, interface). */
import { join } from 'node:path';
import { Command } from 'commander';
import { vpnDown } from '../../vpn/vpnState.ts';

export function vpnCommand(): Command {
  const vpn = new Command('vpn')
    .description('the system-wide VPN of bandex connect --vpn')
    .addHelpText('after', '\nExamples:\n  $ sudo bandex vpn down --state-dir ~/.bandex-client\n');
  vpn
    .command('down')
    .description('remove the kill switch, routes, DNS and interface a bandex connect --vpn left (e.g. after a crash)')
    .option('--state-dir <dir>', 'the state directory bandex connect --vpn used', join(process.cwd(), '.bandex-client'))
    .addHelpText(
      'after',
      `
Examples:
  $ sudo bandex vpn down --state-dir ~/.bandex-client   # the client was killed: give the host its network back`,
    )
    .action(async (flags: { stateDir: string }) => {
      const state = await vpnDown(flags.stateDir);
      console.log(`VPN ${state.ifname} removed: direct routes, DNS and traffic restored`);
    });
  return vpn;
}
