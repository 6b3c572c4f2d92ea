/**
 * The VPN handshake inside the paid tunnel (pure): one JSON line each way on a control stream to
 * `VPN_HOST:VPN_CONTROL_PORT` at the exit. The client sends its fresh WireGuard public key; the exit
 * answers with its own (fresh for the session as well), the /32 it gave the client, the resolver to use
 * and the MTU — or an error. Each side checks every field before it changes any state
 * (`docs/vpn.md`, "Handshake"): a malformed line is refused, never half-applied.
 *
 *   client → exit  {"v":1,"publicKey":"<base64 32 bytes>"}
 *   exit → client  {"v":1,"publicKey":"<base64>","address":"10.213.0.7","dns":["1.1.1.1"],"mtu":1420}
 *                  {"v":1,"error":"<why>"}
 */
import { isIPv4 } from 'node:net';
import { MAX_VPN_MESSAGE_BYTES } from './constants.ts';
import { VpnError } from './VpnError.ts';
import { keyFromBase64, keyToBase64 } from './wireguardKeys.ts';

export const VPN_PROTOCOL_VERSION = 1;
/** At most this many resolvers in an answer. */
const MAX_RESOLVERS = 4;

export type VpnRequest = { publicKey: Uint8Array };
export type VpnGrant = { publicKey: Uint8Array; address: string; dns: string[]; mtu: number };

export function encodeVpnRequest({ publicKey }: VpnRequest): Buffer {
  return line({ v: VPN_PROTOCOL_VERSION, publicKey: keyToBase64(publicKey) });
}

export function encodeVpnGrant(grant: VpnGrant): Buffer {
  return line({ v: VPN_PROTOCOL_VERSION, ...grant, publicKey: keyToBase64(grant.publicKey) });
}

export function encodeVpnRefusal(error: string): Buffer {
  return line({ v: VPN_PROTOCOL_VERSION, error: error.slice(0, 200) });
}

export function decodeVpnRequest(text: string): VpnRequest {
  const message = parse(text);
  const publicKey = keyFromBase64(message.publicKey);
  if (!publicKey) throw bad('the request has no valid publicKey');
  return { publicKey };
}

export function decodeVpnGrant(text: string): VpnGrant {
  const message = parse(text);
  if (typeof message.error === 'string') {
    throw new VpnError('the exit refused the VPN', { code: 'VPN_HANDSHAKE', details: message.error });
  }
  const publicKey = keyFromBase64(message.publicKey);
  if (!publicKey) throw bad('the answer has no valid publicKey');
  const { address, dns, mtu } = message;
  if (typeof address !== 'string' || !isIPv4(address)) throw bad('the answer has no IPv4 address');
  if (!Array.isArray(dns) || dns.length > MAX_RESOLVERS || !dns.every((d) => typeof d === 'string' && isIPv4(d))) {
    throw bad('the answer has a bad dns list');
  }
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 1_280 || mtu > 65_535) {
    throw bad('the answer has a bad mtu');
  }
  return { publicKey, address, dns: dns as string[], mtu };
}

function line(value: object): Buffer {
  const out = Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
  if (out.length > MAX_VPN_MESSAGE_BYTES) throw bad('message too long');
  return out;
}

function parse(text: string): Record<string, unknown> {
  if (Buffer.byteLength(text, 'utf8') > MAX_VPN_MESSAGE_BYTES) throw bad('message too long');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('not a JSON object');
  const message = value as Record<string, unknown>;
  if (message.v !== VPN_PROTOCOL_VERSION) throw bad(`unknown version ${JSON.stringify(message.v)}`);
  return message;
}

function bad(details: string): VpnError {
  return new VpnError('Malformed VPN handshake message', { code: 'VPN_HANDSHAKE', details });
}
