/** `bandex node`: run a provider — sell bandwidth, paid per byte through payment channels. */
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { type Address, getAddress, isAddress } from 'viem';
import { createLogger } from '../../log/logger.ts';
import { DEFAULT_VPN_SUBNET } from '../../vpn/constants.ts';
import { VpnError } from '../../vpn/VpnError.ts';
import { parseRbt } from '../amounts.ts';
import { addAccountOptions, addChainOptions, type ChainFlags, openWallet } from '../chainContext.ts';
import { parsePort, parsePositiveRate } from '../options.ts';
import { waitForShutdown } from '../waitForShutdown.ts';

type NodeFlags = ChainFlags & {
  stateDir: string;
  listen: string[];
  bootstrap: string[];
  announce?: string[];
  tunnelHost: string;
  tunnelPort: number;
  tunnelAnnounce?: string;
  apiPort: number;
  exitAllow: string[];
  exitDeny: string[];
  exitPorts?: string;
  allowPrivate?: boolean;
  devnet?: boolean;
  redeemEveryS: number;
  rateLimit?: number;
  obfsPort?: number;
  obfs4Port?: number;
  wssPort?: number;
  wssCert?: string;
  wssKey?: string;
  wssName?: string;
  wssAnnounce?: string;
  bridge?: boolean;
  exit?: boolean;
  relayOnly?: boolean;
  behindNat?: boolean;
  natRelay?: Address;
  vpn?: boolean;
  vpnInterface: string;
  vpnSubnet: string;
  vpnDns: string[];
  price?: bigint;
  region?: string;
  capacity?: bigint;
};

const collect = (value: string, previous: string[]) => [...previous, value];

export function nodeCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('node')))
    .description('run a provider: publish offers, accept paid sessions, carry traffic, redeem earnings')
    .option(
      '--state-dir <dir>',
      'keys, channel database and logs of this provider',
      join(process.cwd(), '.bandex-node'),
    )
    .option('--listen <multiaddr>', 'libp2p listen address (repeatable)', collect, [])
    .option('--bootstrap <multiaddr>', 'bootstrap peer with /p2p/<id> (repeatable)', collect, [])
    .option('--announce <multiaddr>', 'public libp2p address to advertise (repeatable)', collect, [])
    .option('--tunnel-host <ip>', 'address the data-plane tunnel binds', '0.0.0.0')
    .addOption(new Option('--tunnel-port <port>', 'tunnel port (0 picks one)').default(4100).argParser(parsePort))
    .option('--tunnel-announce <host>', 'host clients dial for the tunnel (public IP or DNS name)')
    .addOption(
      new Option('--obfs-port <port>', 'also serve the obfs transport (looks like nothing) on this port').argParser(
        parsePort,
      ),
    )
    .addOption(
      new Option(
        '--obfs4-port <port>',
        "also serve obfs4 through Tor's obfs4proxy (interoperable; keys in <state-dir>/obfs4)",
      ).argParser(parsePort),
    )
    .addOption(
      new Option(
        '--wss-port <port>',
        'also serve the wss transport (looks like HTTPS, a cover site) on this port',
      ).argParser(parsePort),
    )
    .option('--wss-cert <file>', 'PEM certificate for wss (without it: plain HTTP behind a TLS-terminating proxy)')
    .option('--wss-key <file>', 'PEM private key for wss')
    .option(
      '--wss-name <dns-name>',
      'the DNS name clients use for wss (CA-checked; without it the certificate is pinned)',
    )
    .option('--wss-announce <host:port>', 'where clients dial wss when a proxy or CDN is in front')
    .option(
      '--bridge',
      'keep the obfuscated transports (obfs, obfs4, wss) out of the public offer; hand out the signed line in <state-dir>/bridge.txt',
    )
    .addOption(new Option('--api-port <port>', 'local status API port on 127.0.0.1').default(4180).argParser(parsePort))
    .option('--exit-allow <cidr>', 'also allow this network as a destination (repeatable)', collect, [])
    .option('--exit-deny <cidr>', 'refuse this network as a destination (repeatable)', collect, [])
    .option('--exit-ports <list>', 'only allow these destination ports, e.g. 80,443')
    .option('--allow-private', 'dial and advertise private libp2p addresses (LAN, namespaces)')
    .addOption(
      new Option(
        '--exit',
        'be an exit: open connections and UDP flows to destinations for clients (the default)',
      ).conflicts('relayOnly'),
    )
    .option(
      '--relay-only',
      "carry only encrypted relay hops for others, never be anybody's exit (signed in your offer; exit opens are refused)",
    )
    .option(
      '--behind-nat',
      'no inbound port (home NAT, no port forward): hold a reservation at a relay provider and be reached through it (docs/nat.md)',
    )
    .option(
      '--nat-relay <address>',
      'with --behind-nat: the relay provider to reserve at (default: any that relays)',
      parseAddress,
    )
    .option('--vpn', "serve system-wide VPN clients (bandex connect --vpn): wireguard-go, NAT to this host's uplink")
    .option('--vpn-interface <name>', 'the VPN gateway interface (wireguard-go)', 'bandexgw0')
    .option('--vpn-subnet <cidr>', 'private IPv4 subnet of VPN clients, one /32 each', DEFAULT_VPN_SUBNET)
    .option('--vpn-dns <ip>', 'resolver VPN clients are told to use, through the tunnel (repeatable)', collect, [])
    .option('--devnet', 'devnet exit policy: loopback destinations allowed (never on a real network)')
    .option('--json', 'print one JSON line (addresses, ports) on stdout once ready')
    .addOption(
      new Option(
        '--rate-limit <bytes-per-second>',
        'cap what all sessions send together (e.g. your registered capacity); busy sessions share it by priority',
      ).argParser(parsePositiveRate),
    )
    .option('--price <rbt>', 'sell at this price, RBT per GiB (updates the registry; once per epoch)', parseRbt)
    .addOption(
      new Option('--region <code>', 'the country you serve from (updates the registry; clients check it)').argParser(
        (v) => {
          if (!/^[A-Za-z]{2}$/.test(v)) throw new InvalidArgumentError('a two-letter country code like DE');
          return v.toUpperCase();
        },
      ),
    )
    .addOption(
      new Option(
        '--capacity <bytes-per-second>',
        'the capacity you claim (updates the registry; auditors measure it)',
      ).argParser((v) => BigInt(parsePositiveRate(v))),
    )
    .addOption(
      new Option('--redeem-every-s <seconds>', 'redeem earnings at least this often')
        .default(3600)
        .argParser((v) => Number.parseInt(v, 10)),
    )
    .addHelpText(
      'after',
      `
The account must be registered with stake first (bandex stake). Destinations in private, loopback and
link-local ranges are refused unless allowed with --exit-allow.

Examples:
  $ bandex node --keystore provider.json --tunnel-announce 203.0.113.7 --listen /ip4/0.0.0.0/tcp/4001
  $ bandex node --keystore provider.json --tunnel-announce 203.0.113.7 --rate-limit 12500000   # sell 100 Mbit/s
  $ bandex node --keystore provider.json --tunnel-announce 203.0.113.7 --relay-only   # share without being an exit
  $ bandex node --key-file dev.key --rpc http://127.0.0.1:8545 --listen /ip4/127.0.0.1/tcp/0 --tunnel-host 127.0.0.1 --allow-private --devnet`,
    )
    .action(async (flags: NodeFlags) => {
      const logger = createLogger({ name: 'node' });
      const { wallet, deployment } = await openWallet(flags);
      // Loaded here, not at the top: libp2p would slow every other command's start.
      const { startProvider } = await import('../../provider/startProvider.ts');
      const exitPolicy = {
        devnet: flags.devnet,
        allow: flags.exitAllow,
        deny: flags.exitDeny,
        allowPorts: flags.exitPorts?.split(',').map((p) => parsePort(p.trim())),
      };
      if (flags.vpn && flags.relayOnly) {
        throw new VpnError('--vpn makes this node an exit', { code: 'VPN_BAD_OPTION', details: 'drop --relay-only' });
      }
      const { VpnGateway } = await import('../../vpn/VpnGateway.ts');
      const gateway = flags.vpn
        ? await VpnGateway.start({
            ifname: flags.vpnInterface,
            subnet: flags.vpnSubnet,
            dns: flags.vpnDns.length > 0 ? flags.vpnDns : undefined,
            policy: exitPolicy,
            logger,
          })
        : undefined;
      const { providerTransports } = await import('../../provider/providerTransports.ts');
      const provider = await startProvider({
        client: wallet,
        deployment,
        stateDir: flags.stateDir,
        listen: flags.listen.length > 0 ? flags.listen : ['/ip4/0.0.0.0/tcp/4001'],
        bootstrap: flags.bootstrap,
        announce: flags.announce,
        tunnelHost: flags.tunnelHost,
        tunnelPort: flags.tunnelPort,
        tunnelAnnounceHost: flags.tunnelAnnounce,
        apiPort: flags.apiPort,
        exitPolicy,
        services: gateway ? [gateway] : undefined,
        redeemPolicy: { minRedeemWei: 10n ** 18n, maxIntervalMs: flags.redeemEveryS * 1000 },
        allowPrivateAddresses: flags.allowPrivate,
        rateLimitBytesPerSecond: flags.rateLimit,
        offer:
          flags.price === undefined && flags.region === undefined && flags.capacity === undefined
            ? undefined
            : { priceWeiPerGiB: flags.price, region: flags.region, capacityBytesPerSecond: flags.capacity },
        transports: providerTransports(flags.stateDir, {
          host: flags.tunnelHost,
          obfsPort: flags.obfsPort,
          obfs4Port: flags.obfs4Port,
          wssPort: flags.wssPort,
          wssCertFile: flags.wssCert,
          wssKeyFile: flags.wssKey,
          wssName: flags.wssName,
          wssAnnounce: flags.wssAnnounce,
        }),
        bridge: flags.bridge,
        role: flags.relayOnly ? 'relay-only' : 'exit',
        ...(flags.behindNat || flags.natRelay ? { behindNat: { relay: flags.natRelay } } : {}),
        logger,
      }).catch(async (error: unknown) => {
        await gateway?.stop();
        throw error;
      });
      // Signal handlers before the ready line: whoever reads it may stop us at once.
      const shutdown = waitForShutdown(async () => {
        await provider.stop();
        await gateway?.stop();
      });
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({
            address: provider.address,
            peerId: provider.peerId,
            multiaddrs: provider.multiaddrs,
            tunnel: `${provider.tunnel.address.host}:${provider.tunnel.address.port}`,
            transports: provider.tunnel.transports.map((t) => ({ name: t.name, port: t.address.port })),
            api: provider.api.url,
            priceWeiPerGiB: provider.priceWeiPerGiB.toString(),
            role: flags.relayOnly ? 'relay-only' : 'exit',
            ...(provider.bridge ? { bridgeLine: provider.bridge.line } : {}),
            ...(gateway ? { vpn: { interface: gateway.ifname, gateway: gateway.pool.gateway } } : {}),
          })}\n`,
        );
      } else {
        console.log(`provider ${provider.address} (peer ${provider.peerId}) is serving`);
        console.log(`  libp2p  ${provider.multiaddrs.join(' ')}`);
        console.log(`  status  ${provider.api.url}/api/status`);
        if (provider.bridge) console.log(`  bridge  ${provider.bridge.file} (hand it out privately)`);
      }
      await shutdown;
    });
}

/** `--nat-relay`'s value: a chain address. */
function parseAddress(text: string): Address {
  if (!isAddress(text, { strict: false })) throw new InvalidArgumentError('not an address (0x and 40 hex digits)');
  return getAddress(text);
}
