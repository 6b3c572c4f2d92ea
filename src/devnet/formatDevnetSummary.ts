import { formatUnits } from 'viem';
import type { DevnetInfo } from './startDevnet.ts';

/** What `npm start` prints for a person: where everything is and what to look at. */
export function formatDevnetSummary(info: DevnetInfo): string {
  const lines = [
    'Bandex devnet is up.',
    '',
    `  Open the dashboard: ${info.dashboard}`,
    "    every provider by address with its earnings growing, the client's path and spend, the token price.",
    `    Each daemon serves its own view too: client ${info.client.api}/ , provider 1 ${info.providers[0]?.api ?? ''}/`,
    ...(info.demoOrigin
      ? [
          `  Demo traffic is running: small downloads from ${info.demoOrigin} through the client every 2 s,`,
          '    so earnings, spend and throughput move. (bandex devnet --no-demo turns it off.)',
        ]
      : []),
    '',
    `  chain      ${info.rpc} (chain id ${info.chainId})`,
    `  token      ${info.contracts.token}`,
    `  channels   ${info.contracts.channels}`,
    `  registry   ${info.contracts.registry}`,
    `  deployment ${info.deployment}`,
    '',
    `  client     ${info.client.address}, ${info.client.hops}-hop path, status ${info.client.api}/api/status`,
    ...info.providers.map(
      (p, i) =>
        `  provider ${i + 1} ${p.address} at ${formatUnits(BigInt(p.priceWeiPerGiB), 18)} RBT/GiB, status ${p.api}/api/status${p.faulty ? `  <- faulty: ${p.faulty}` : ''}`,
    ),
    ...info.auditors.map(
      (a, i) => `  auditor ${i + 1}  ${a.address}, epoch ${info.epochMs / 1000} s, status ${a.api}/api/status`,
    ),
    '',
    'Send traffic through it yourself, every byte paid per 64 KiB tick:',
    ...(info.demoOrigin
      ? [`  curl --socks5-hostname ${info.socks} -o /dev/null ${info.demoOrigin}/bytes/33554432   # 32 MiB, local`]
      : []),
    `  curl --socks5-hostname ${info.socks} http://example.com/`,
    `  curl --proxy http://${info.httpProxy} http://example.com/`,
    `  (browser: SOCKS5 proxy ${info.socks}, or HTTP proxy ${info.httpProxy})`,
    `Watch the client pay and the providers earn and redeem: curl ${info.client.api}/api/status`,
    `  live events: curl -N ${info.client.api}/api/events    Prometheus: curl ${info.providers[0]?.api ?? ''}/metrics`,
    '',
    `State and logs: ${info.stateDir}`,
    'Press Ctrl-C to stop everything.',
  ];
  return lines.join('\n');
}
