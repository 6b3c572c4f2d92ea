/** `bandex devnet` (what `npm start` runs): the whole local network on one machine. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { FAULT_MODES, type FaultMode } from '../../devnet/faultModes.ts';
import { formatDevnetSummary } from '../../devnet/formatDevnetSummary.ts';
import { createLogger } from '../../log/logger.ts';
import type { TransportName } from '../../transport/transportSpec.ts';
import {
  parseCount,
  parseEpochSeconds,
  parseHops,
  parsePort,
  parsePositiveRate,
  parseTransportPolicy,
} from '../options.ts';
import { waitForShutdown } from '../waitForShutdown.ts';

function parseFaultMode(value: string, previous: FaultMode[]): FaultMode[] {
  if (!(FAULT_MODES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${FAULT_MODES.join(', ')}`);
  return [...previous, value as FaultMode];
}

function parseAuditors(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3) throw new InvalidArgumentError('expected 0 to 3 auditors');
  return n;
}

export function devnetCommand(): Command {
  return new Command('devnet')
    .description(
      'run the local Bandex network: chain and contracts, 3 providers, 3 auditors, a paying client with SOCKS5/HTTP proxies',
    )
    .addOption(
      new Option('--port <port>', 'RPC port of the embedded chain; 0 picks a free one').default(0).argParser(parsePort),
    )
    .addOption(new Option('--hops <n>', "providers in the client's path (1 to 3)").default(1).argParser(parseHops))
    .addOption(
      new Option(
        '--transport <names>',
        'how the client reaches hop 1: plain, obfs, wss, obfs4 (in order of preference)',
      )
        .default(['plain'], 'plain')
        .argParser(parseTransportPolicy),
    )
    .option('--state-dir <dir>', 'where the devnet keeps its files (default: a new temporary folder)')
    .addOption(
      new Option('--dashboard-port <port>', 'port of the network dashboard; 0 picks a free one')
        .default(0)
        .argParser(parsePort),
    )
    .addOption(
      new Option(
        '--faulty <mode>',
        'add a misbehaving provider, cheaper than the honest ones, for the auditors to catch (repeatable): blackhole | throttle | overclaim | blackhole-customers',
      )
        .argParser(parseFaultMode)
        .default([]),
    )
    .addOption(
      new Option('--faulty-after <bytes>', 'with --faulty blackhole: bytes served honestly before dropping traffic')
        .default(0)
        .argParser(parseCount),
    )
    .addOption(new Option('--auditors <n>', 'staked auditors to run (0 to 3)').default(3).argParser(parseAuditors))
    .addOption(new Option('--epoch <seconds>', 'audit epoch length').default(20_000, '20').argParser(parseEpochSeconds))
    .addOption(
      new Option(
        '--capacity <bytes-per-second>',
        'what each honest provider claims and serves (default 16000000)',
      ).argParser(parsePositiveRate),
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
  $ bandex devnet --dashboard-port 8080 --no-demo
  $ bandex devnet --faulty blackhole  # watch the auditors catch it, the client avoid it, its stake drop`,
    )
    .action(
      async (options: {
        port: number;
        hops: number;
        transport: TransportName[];
        stateDir?: string;
        json?: boolean;
        demo?: boolean;
        dashboardPort: number;
        faulty: FaultMode[];
        faultyAfter: number;
        auditors: number;
        /** Milliseconds (the flag is in seconds). */
        epoch: number;
        capacity?: number;
      }) => {
        const logger = createLogger({ name: 'devnet', level: options.json ? 'warn' : undefined });
        // Loaded here, not at the top: the devnet's imports would slow every other command's start.
        const { startDevnet } = await import('../../devnet/startDevnet.ts');
        const devnet = await startDevnet({
          port: options.port,
          hops: options.hops,
          transports: options.transport,
          stateDir: options.stateDir,
          dashboardPort: options.dashboardPort,
          faulty: options.faulty,
          faultyAfterBytes: options.faultyAfter,
          auditors: options.auditors,
          epochMs: options.epoch,
          capacityBytesPerSecond: options.capacity,
          demo: options.demo ?? !options.json,
          logger,
        });
        const shutdown = waitForShutdown(() => devnet.stop());
        if (options.json) process.stdout.write(`${JSON.stringify(devnet.info)}\n`);
        else console.log(formatDevnetSummary(devnet.info));
        await shutdown;
      },
    );
}
