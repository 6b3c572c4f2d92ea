/**
 * `bandex audit`: run an auditor — a staked account that measures every registered provider each epoch
 * through paid sessions, publishes signed reports and co-signs slashes (`startAuditor`). With
 * `--register <stake>` an account that is not yet a staked auditor is registered first.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { addAuditorStake } from '../../chain/actions/addAuditorStake.ts';
import { balanceOf } from '../../chain/actions/balanceOf.ts';
import { getAuditor } from '../../chain/actions/getAuditor.ts';
import { readRegistryParameter } from '../../chain/actions/readRegistryParameter.ts';
import { registerAuditor } from '../../chain/actions/registerAuditor.ts';
import { createLogger } from '../../log/logger.ts';
import { formatRbt, parseRbt } from '../amounts.ts';
import {
  addAccountOptions,
  addChainOptions,
  type ChainFlags,
  openWallet,
  type WalletContext,
} from '../chainContext.ts';
import { InsufficientBalanceError, NotAllowedNowError } from '../errors.ts';
import { parseEpochSeconds, parsePort } from '../options.ts';
import { progress, reportProgress } from '../progress.ts';
import { waitForShutdown } from '../waitForShutdown.ts';

/** Canaries per provider per epoch: more than one, and a cap so they fit an epoch at one per few seconds. */
const MAX_PROBES = 1_000;

type AuditFlags = ChainFlags & {
  stateDir: string;
  listen: string[];
  bootstrap: string[];
  epoch?: number;
  probes?: number;
  deposit: bigint;
  targetHost: string;
  targetPort: number;
  targetAnnounceHost?: string;
  apiPort: number;
  register?: bigint;
  allowPrivate?: boolean;
  region?: string;
};

const collect = (value: string, previous: string[]) => [...previous, value];

function parseProbes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PROBES)
    throw new InvalidArgumentError(`expected a whole number of canaries from 1 to ${MAX_PROBES}`);
  return n;
}

/**
 * Makes the wallet's account a staked auditor if it is not one: registers it with `stake` RBT (or tops
 * up a registered auditor whose bond fell under the minimum). Returns whether anything was sent.
 */
async function ensureStakedAuditor(context: WalletContext, stake: bigint | undefined): Promise<boolean> {
  const { client, wallet, account, deployment } = context;
  const [auditor, minimum, balance] = await Promise.all([
    getAuditor(client, { deployment, auditor: account.address }),
    readRegistryParameter(client, { deployment, name: 'auditorMinStake' }),
    balanceOf(client, { token: deployment.contracts.token, account: account.address }),
  ]);
  if (auditor.registered && auditor.bonded >= minimum) {
    if (stake !== undefined) progress(`${account.address} is already a staked auditor; --register sends nothing`);
    return false;
  }
  const short = auditor.registered ? minimum - auditor.bonded : minimum;
  if (stake === undefined)
    throw new NotAllowedNowError({
      reason: auditor.registered
        ? `${account.address} is an auditor with ${formatRbt(auditor.bonded)} RBT bonded, under the minimum ${formatRbt(minimum)} RBT`
        : `${account.address} is not a staked auditor`,
      hint: `pass --register <stake> (at least ${formatRbt(short)} RBT) to ${auditor.registered ? 'add stake' : 'register it and bond the stake'} first`,
    });
  if (stake < short)
    throw new NotAllowedNowError({
      reason: auditor.registered
        ? `the auditor needs at least ${formatRbt(short)} RBT more to reach the minimum stake, not ${formatRbt(stake)}`
        : `an auditor must stake at least ${formatRbt(minimum)} RBT, not ${formatRbt(stake)}`,
      hint: `pass --register ${formatRbt(short)} or more`,
    });
  if (balance < stake)
    throw new InsufficientBalanceError({
      what: 'RBT',
      address: account.address,
      have: `${formatRbt(balance)} RBT`,
      need: `${formatRbt(stake)} RBT`,
      hint: 'buy RBT first with `bandex token buy`',
    });
  if (auditor.registered) {
    await addAuditorStake(wallet, { deployment, amount: stake, onProgress: reportProgress });
    return true;
  }
  progress(`register auditor: bonding ${formatRbt(stake)} RBT`);
  await registerAuditor(wallet, { deployment, stakeWei: stake, onProgress: reportProgress });
  progress(`register auditor: ${account.address} is a staked auditor`);
  return true;
}

export function auditCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('audit')))
    .description('run an auditor: measure every provider each epoch through paid sessions, report, co-sign slashes')
    .option(
      '--state-dir <dir>',
      'keys, channel database and logs of this auditor',
      join(process.cwd(), '.bandex-auditor'),
    )
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect, [])
    .option('--bootstrap <multiaddr>', 'bootstrap peer with /p2p/<id> (repeatable)', collect, [])
    .addOption(
      new Option(
        '--epoch <seconds>',
        "audit epoch; fixed by the registry at deployment (default: the registry's; anything else is refused)",
      ).argParser(parseEpochSeconds),
    )
    .addOption(
      new Option('--probes <n>', 'canaries per provider per epoch (a black hole needs 5 to be slashable)')
        .default(8)
        .argParser(parseProbes),
    )
    .addOption(
      new Option('--deposit <rbt>', 'RBT deposited in each new channel to a provider')
        .default(100n * 10n ** 18n, '100')
        .argParser(parseRbt),
    )
    .option('--target-host <ip>', 'address the audit target (canary echo, capacity blast) binds', '0.0.0.0')
    .addOption(new Option('--target-port <port>', 'audit target port (0 picks one)').default(4101).argParser(parsePort))
    .option('--target-announce-host <host>', 'host providers dial to reach the target (public IP or DNS name)')
    .addOption(new Option('--api-port <port>', 'local status API port on 127.0.0.1').default(4182).argParser(parsePort))
    .addOption(
      new Option(
        '--register <stake>',
        'RBT to bond first if the account is not yet a staked auditor (at least the minimum auditor stake)',
      ).argParser(parseRbt),
    )
    .option('--allow-private', 'dial private libp2p addresses (LAN, namespaces)')
    .addOption(
      new Option(
        '--region <code>',
        "this auditor's country (two letters): its round trips bound where providers can be",
      ).argParser((v) => {
        if (!/^[A-Za-z]{2}$/.test(v)) throw new InvalidArgumentError('a two-letter country code like DE');
        return v.toUpperCase();
      }),
    )
    .option('--json', 'print one JSON line (address, peer, API) on stdout once ready')
    .addHelpText(
      'after',
      `
The account must be a staked auditor; --register <stake> registers it first (the error without it names
the minimum stake). Providers must reach the audit target, so on a real network pass
--target-announce-host with your public IP or DNS name and open --target-port (TCP) in the firewall.

Examples:
  $ bandex audit --keystore auditor.json --register 1000 --target-announce-host 203.0.113.8 \\
      --bootstrap /dns4/boot.example/tcp/4001/p2p/12D3KooW...
  $ bandex audit --key-file dev.key --epoch 20 --listen /ip4/127.0.0.1/tcp/0 --target-host 127.0.0.1 --allow-private --json`,
    )
    .action(async (flags: AuditFlags) => {
      if ((flags.targetHost === '0.0.0.0' || flags.targetHost === '::') && flags.targetAnnounceHost === undefined)
        throw new NotAllowedNowError({
          reason: `the audit target listens on every interface (${flags.targetHost}), and providers need one address to reach it`,
          hint: 'pass --target-announce-host <public IP or DNS name>, or --target-host <IP> with an address providers can reach',
        });
      const logger = createLogger({ name: 'audit' });
      const context = await openWallet(flags);
      const registered = await ensureStakedAuditor(context, flags.register);
      const { client, wallet, account, deployment } = context;
      const balance = await balanceOf(client, { token: deployment.contracts.token, account: account.address });
      if (balance < flags.deposit)
        progress(
          `warning: ${account.address} holds ${formatRbt(balance)} RBT, less than one channel deposit (${formatRbt(flags.deposit)} RBT), so it can audit no provider: buy RBT with \`bandex token buy\` or lower --deposit`,
        );
      // Loaded here, not at the top: libp2p would slow every other command's start.
      const { startAuditor } = await import('../../audit/startAuditor.ts');
      const auditor = await startAuditor({
        client: wallet,
        deployment,
        stateDir: flags.stateDir,
        listen: flags.listen.length > 0 ? flags.listen : ['/ip4/0.0.0.0/tcp/0'],
        bootstrap: flags.bootstrap,
        epochMs: flags.epoch,
        probes: flags.probes,
        targetHost: flags.targetHost,
        targetPort: flags.targetPort,
        targetAnnounceHost: flags.targetAnnounceHost,
        depositWei: flags.deposit,
        apiPort: flags.apiPort,
        allowPrivateAddresses: flags.allowPrivate,
        region: flags.region,
        logger,
      });
      // Signal handlers before the ready line: a supervisor (or a test) may send SIGTERM the moment it reads it.
      const shutdown = waitForShutdown(() => auditor.stop());
      const { epochMs } = auditor.status();
      const peerId = auditor.node.peerId.toString();
      const multiaddrs = auditor.node.getMultiaddrs().map((m) => m.toString());
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ address: auditor.address, peerId, multiaddrs, api: auditor.api.url, epochMs, registered })}\n`,
        );
      } else {
        console.log(`auditor ${auditor.address} (peer ${peerId}) is auditing every ${epochMs / 1000} s epoch`);
        console.log(`  libp2p  ${multiaddrs.join(' ')}`);
        console.log(`  status  ${auditor.api.url}/api/status`);
      }
      await shutdown;
    });
}
