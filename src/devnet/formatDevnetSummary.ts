import type { DevnetInfo } from './startDevnet.ts';

/** What `npm start` prints for a person: where everything is and what to look at. */
export function formatDevnetSummary(info: DevnetInfo): string {
  const lines = [
    'Bandex devnet is up.',
    '',
    `  chain      ${info.rpc} (chain id ${info.chainId})`,
    `  token      ${info.contracts.token}`,
    `  curve      ${info.contracts.curve}`,
    `  registry   ${info.contracts.registry}`,
    `  channels   ${info.contracts.channels}`,
    `  governor   ${info.contracts.governor}`,
    `  deployment ${info.deployment}`,
    '',
    'Press Ctrl-C to stop everything.',
  ];
  return lines.join('\n');
}
