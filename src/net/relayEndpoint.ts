/**
 * The endpoint of a provider behind NAT, as its signed offer carries it: `relay:<address>`, the chain address
 * of the provider that holds its reservation (docs/nat.md). A client reaches it through a RELAY stream on
 * its session with that provider, whose destination names the NATed provider (`reservedDestination`), never
 * a `host:port`: the relay carries it over the reservation the NATed provider dialled out, or not at all.
 */
import { type Address, getAddress, isAddress } from 'viem';

const PREFIX = 'relay:';

/** `relay:0x…` → the relay's address (EIP-55); `undefined` for anything else. */
export function parseRelayEndpoint(text: string): Address | undefined {
  if (typeof text !== 'string' || !text.startsWith(PREFIX)) return undefined;
  const address = text.slice(PREFIX.length);
  return /^0x[0-9a-fA-F]{40}$/.test(address) && isAddress(address, { strict: false }) ? getAddress(address) : undefined;
}

export function formatRelayEndpoint(relay: Address): string {
  return `${PREFIX}${getAddress(relay)}`;
}

/** Port of a reserved destination: a RELAY OPEN needs a port ≠ 0; the relay ignores it. */
export const RESERVED_PORT = 1;

/** The RELAY destination that names a NATed provider at its relay: its address in lower case. */
export function reservedDestination(provider: Address): { host: string; port: number } {
  return { host: provider.toLowerCase(), port: RESERVED_PORT };
}

/** The NATed provider a RELAY destination names, or `undefined` when it is an ordinary `host:port`. */
export function reservedProvider(destination: { host: string }): Address | undefined {
  return /^0x[0-9a-f]{40}$/.test(destination.host) ? getAddress(destination.host) : undefined;
}
