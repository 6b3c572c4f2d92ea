/** `bandex connect`: run a client — local SOCKS5 and HTTP proxies whose traffic is paid per byte. */

import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Address } from 'viem';
import { createLogger, type Logger } from '../../log/logger.ts';
import type { TransportName } from '../../transport/transportSpec.ts';
import { VpnError } from '../../vpn/VpnError.ts';
import { parseAddress, parseRbt } from '../amounts.ts';
import { addAccountOptions, addChainOptions, type ChainFlags, openWallet } from '../chainContext.ts';
import { parseCountryCode, parseHops, parsePort, parsePremiumBps, parseTransportPolicy } from '../options.ts';
import { waitForShutdown } from '../waitForShutdown.ts';

type ConnectFlags = ChainFlags & {
  stateDir: string;
  listen: string[];
  bootstrap: string[];
  hops: number;
  transport?: TransportName[];
  bridge: string[];
  holePunch: boolean;
  provider: Address[];
  deposit: bigint;
  budget?: bigint;
  priority: number;
  allowRegion: string[];
  denyRegion: string[];
  socksPort: number;
  httpPort: number;
  apiPort: number;
  allowPrivate?: boolean;
  vpn?: boolean;
  vpnInterface: string;
  vpnExclude: string[];
  vpnDns: string[];
  vpnResolvConf: string;
};

const collect = (value: string, previous: string[]) => [...previous, value];
const collectRegion = (value: string, previous: string[]) => [...previous, parseCountryCode(value)];
/** A bridge line, or `@file` holding one (the line is long: it travels as a file or a QR code). */
function collectBridge(value: string, previous: string[]): string[] {
  if (!value.startsWith('@')) return [...previous, value];
  try {
    return [...previous, readFileSync(value.slice(1), 'utf8').trim()];
  } catch (error) {
    throw new InvalidArgumentError(`cannot read the bridge line file: ${(error as Error).message}`);
  }
}

export function connectCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('connect')))
    .description('run a client: SOCKS5 and HTTP proxies on localhost, traffic through 1-3 paid providers')
    .option('--state-dir <dir>', 'channel database and keys of this client', join(process.cwd(), '.bandex-client'))
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect, [])
    .option('--bootstrap <multiaddr>', 'bootstrap peer with /p2p/<id> (repeatable; at least one)', collect, [])
    .addOption(new Option('--hops <n>', 'providers in the path (1 to 3)').default(1).argParser(parseHops))
    .addOption(
      new Option(
        '--transport <names>',
        "how to reach hop 1, in order of preference: plain, obfs (looks like nothing), wss (looks like HTTPS), obfs4 (Tor's obfs4proxy); e.g. wss,obfs (default: plain; with --bridge, the bridge line's transports)",
      )
        .env('BANDEX_TRANSPORT')
        .argParser(parseTransportPolicy),
    )
    .option(
      '--bridge <line>',
      "enter through a bridge: a provider's transports handed out privately (bandex-bridge:… or @file; repeatable)",
      collectBridge,
      [],
    )
    .option(
      '--no-hole-punch',
      'reach a provider behind NAT through its relay only, never by a direct (hole-punched) connection',
    )
    .option(
      '--provider <address>',
      'use this provider (repeatable, in path order)',
      (value: string, previous: Address[]) => [...previous, parseAddress(value)],
      [] as Address[],
    )
    .addOption(
      new Option('--deposit <rbt>', 'RBT deposited in each new channel')
        .default(100n * 10n ** 18n, '100')
        .argParser(parseRbt),
    )
    .addOption(
      new Option('--budget <rbt>', 'most to promise on any one channel (default: the deposit)').argParser(parseRbt),
    )
    .addOption(
      new Option(
        '--priority <bps>',
        "pay a priority premium of <bps> basis points (1000 = +10 %): more of a busy provider's capacity",
      )
        .default(0)
        .argParser(parsePremiumBps),
    )
    .option(
      '--allow-region <cc>',
      'only use providers in this country, ISO 3166 alpha-2 (repeatable)',
      collectRegion,
      [],
    )
    .option('--deny-region <cc>', 'never use providers in this country (repeatable)', collectRegion, [])
    .addOption(new Option('--socks-port <port>', 'SOCKS5 port on 127.0.0.1').default(1080).argParser(parsePort))
    .addOption(new Option('--http-port <port>', 'HTTP proxy port on 127.0.0.1').default(8118).argParser(parsePort))
    .addOption(new Option('--api-port <port>', 'local status API port on 127.0.0.1').default(4181).argParser(parsePort))
    .option('--allow-private', 'dial private libp2p addresses (LAN, namespaces)')
    .option(
      '--vpn',
      'also route this whole host through the path (wireguard-go; root or CAP_NET_ADMIN), kill switch on',
    )
    .option('--vpn-interface <name>', 'the VPN interface (wireguard-go)', 'bandex0')
    .option('--vpn-exclude <cidr>', 'reach this IPv4 prefix directly, outside the VPN (repeatable)', collect, [])
    .option('--vpn-dns <ip>', "resolver to use through the VPN instead of the exit's (repeatable)", collect, [])
    .option('--vpn-resolv-conf <file>', 'resolver file the VPN points at its resolvers', '/etc/resolv.conf')
    .option('--json', 'print one JSON line (addresses, ports) on stdout once ready')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex connect --keystore me.json --bootstrap /dns4/boot.example/tcp/4001/p2p/12D3KooW... --hops 3
  $ curl --socks5-hostname 127.0.0.1:1080 https://example.com/
  $ bandex connect --keystore me.json --bootstrap ... --allow-region DE --allow-region NL   # stay in DE and NL
  $ bandex connect --keystore me.json --bootstrap ... --priority 1000   # +10 % price, twice the share when busy
  $ sudo bandex connect --keystore me.json --bootstrap ... --vpn --vpn-exclude 192.168.1.0/24   # whole host
  $ sudo bandex vpn down   # after a crash: remove the kill switch, routes and DNS the VPN left`,
    )
    .action(async (flags: ConnectFlags) => {
      const logger = createLogger({ name: 'connect' });
      const { wallet, deployment, config } = await openWallet(flags);
      // Loaded here, not at the top: libp2p would slow every other command's start.
      const { startClient } = await import('../../client/startClient.ts');
      // With --vpn, the kill switch goes in first: nothing leaves outside the tunnel while the first path is
      // built either (only the control plane, then the chosen entry hop, may be reached directly).
      const early = flags.vpn ? await startEarlyVpnKillSwitch(flags, config.rpc, logger) : undefined;
      const client = await startClient({
        beforeEntry: early?.allowEntry,
        client: wallet,
        deployment,
        stateDir: flags.stateDir,
        listen: flags.listen.length > 0 ? flags.listen : ['/ip4/0.0.0.0/tcp/0'],
        bootstrap: flags.bootstrap,
        hops: flags.hops,
        transports: flags.transport,
        bridges: flags.bridge,
        holePunch: flags.holePunch,
        prefer: flags.provider,
        depositWei: flags.deposit,
        budgetWei: flags.budget,
        premiumBps: flags.priority,
        regions: {
          allow: flags.allowRegion.length > 0 ? flags.allowRegion : undefined,
          deny: flags.denyRegion,
        },
        socksPort: flags.socksPort,
        httpPort: flags.httpPort,
        apiPort: flags.apiPort,
        allowPrivateAddresses: flags.allowPrivate,
        logger,
      }).catch(async (error: unknown) => {
        await early?.remove().catch(() => {});
        throw error;
      });
      const vpn = flags.vpn
        ? await client
            .connect()
            .then(() => startVpn(client, flags, logger))
            .catch(stopClientAfter(client, early))
        : undefined;
      if (!flags.vpn) await client.connect();
      early?.handOver();
      const socks = `${client.socks.address.host}:${client.socks.address.port}`;
      const httpProxy = `${client.http.address.host}:${client.http.address.port}`;
      // Signal handlers before the ready line: whoever reads it may stop us at once.
      const shutdown = waitForShutdown(async () => {
        // The VPN first: the client's last payments and settlement then use the host's own routes.
        await vpn?.stop();
        await client.stop();
      });
      if (flags.json) {
        const vpnInfo = vpn ? { vpn: { interface: vpn.ifname, address: vpn.grant.address, dns: vpn.grant.dns } } : {};
        process.stdout.write(
          `${JSON.stringify({ address: client.address, socks, httpProxy, api: client.api.url, ...vpnInfo })}\n`,
        );
      } else {
        if (vpn) console.log(`VPN up on ${vpn.ifname} as ${vpn.grant.address}: all traffic goes through the path`);
        console.log(`client ${client.address}: SOCKS5 ${socks}, HTTP proxy ${httpProxy}`);
        console.log(`  status ${client.api.url}/api/status`);
      }
      await shutdown;
    });
}

type StartedClient = Awaited<ReturnType<typeof import('../../client/startClient.ts').startClient>>;

/** `--vpn`: the VPN comes up through the built path (its kill switch replaces the early one). */
async function startVpn(client: StartedClient, flags: ConnectFlags, logger: Logger) {
  const { startVpnClient } = await import('../../vpn/startVpnClient.ts');
  const { vpnStateFile } = await import('../../vpn/vpnState.ts');
  const stateFile = vpnStateFile(flags.stateDir);
  const entry = client.entryAddress();
  if (!entry || !isIPv4(entry)) {
    throw new VpnError('the VPN needs an IPv4 entry hop', {
      code: 'VPN_BAD_OPTION',
      details: `the path's entry is ${entry ?? 'unknown'}`,
    });
  }
  return startVpnClient({
    openStream: client.openStream,
    openFlow: client.openFlow,
    entry,
    currentEntry: () => client.entryAddress(),
    ifname: flags.vpnInterface,
    exclude: flags.vpnExclude,
    dns: flags.vpnDns,
    resolvConf: flags.vpnResolvConf,
    stateFile,
    killSwitchUp: true,
    logger,
  });
}

function stopClientAfter(client: StartedClient, early?: { remove(): Promise<void> }) {
  return async (error: unknown): Promise<never> => {
    await client.stop().catch(() => {});
    // The VPN did not come up: the early kill switch goes too, the host is left as it was.
    await early?.remove().catch(() => {});
    throw error;
  };
}

/** `--vpn`: whatever a crashed run left is undone, then the kill switch goes in before the client starts. */
async function startEarlyVpnKillSwitch(flags: ConnectFlags, rpc: string, logger: Logger) {
  const { startEarlyKillSwitch } = await import('../../vpn/startEarlyKillSwitch.ts');
  const { loadVpnState, tearDownVpn, vpnStateFile } = await import('../../vpn/vpnState.ts');
  const stateFile = vpnStateFile(flags.stateDir);
  const stale = loadVpnState(stateFile);
  if (stale) {
    logger.warn({ ifname: stale.ifname }, 'undoing the VPN a previous run left');
    await tearDownVpn(stale);
  }
  return startEarlyKillSwitch({
    ifname: flags.vpnInterface,
    rpc,
    bootstrap: flags.bootstrap,
    exclude: flags.vpnExclude,
    stateFile,
    logger,
  });
}
