/**
 * Tunnel endpoints as offers carry them: `host:port`, where host is an IPv4 address,
 * a bracketed IPv6 address (`[::1]:443`) or a DNS name. Strict: no userinfo, no path,
 * port 1–65535 without leading zeros.
 */
import { isIP } from 'node:net';
import { MAX_ENDPOINT_LENGTH } from './constants.ts';

export type Endpoint = { host: string; port: number };

const PORT = /^(?:[1-9][0-9]{0,4})$/;
const DNS_NAME =
  /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Parses `host:port`; returns `undefined` when it is not a valid endpoint. IPv6 hosts come back without brackets. */
export function parseEndpoint(text: string): Endpoint | undefined {
  if (typeof text !== 'string' || text.length > MAX_ENDPOINT_LENGTH) return undefined;
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const hostPart = text.slice(0, colon);
  const portPart = text.slice(colon + 1);
  if (!PORT.test(portPart)) return undefined;
  const port = Number(portPart);
  if (port > 65_535) return undefined;
  if (hostPart.startsWith('[')) {
    if (!hostPart.endsWith(']')) return undefined;
    const host = hostPart.slice(1, -1);
    return isIP(host) === 6 ? { host, port } : undefined;
  }
  if (isIP(hostPart) === 4) return { host: hostPart, port };
  if (hostPart.includes(':') || /^[0-9.]+$/.test(hostPart)) return undefined;
  return DNS_NAME.test(hostPart) ? { host: hostPart.toLowerCase(), port } : undefined;
}

/** Formats an endpoint back to `host:port` (brackets around IPv6). */
export function formatEndpoint({ host, port }: Endpoint): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
