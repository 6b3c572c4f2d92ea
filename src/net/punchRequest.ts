/**
 * Hole punching through a relay (docs/nat.md), the coordination messages. A client about to make a NATed
 * provider its first hop asks the provider's relay, in the payload of a Noise IK handshake's first message
 * with the relay, to arrange a direct TCP connection (`PunchRequest`: the provider, and the local port the
 * client will connect from). The relay passes the client's address as it observed it, never one the client
 * names, and that port to the provider over its reservation; the provider answers with the local port it
 * will connect from, and the relay answers the client in message 2 (`PunchAnswer`: the provider's address
 * as the relay observed it, that port, and the client's own address as the relay observed it). Both then connect to each other at once (TCP simultaneous
 * open); NATs that keep a connection's source port (Linux MASQUERADE without `fully-random`) let it through.
 * Unauthenticated on purpose: a punch costs the relay one message and the provider a few SYNs to the
 * requester's own address; what rides the connection is the client's ordinary handshake and proposal.
 */
import { type Address, getAddress, isAddress } from 'viem';
import { ReservationError } from './errors.ts';
import { parseRelayMessage } from './reservationRequest.ts';

export type PunchRequest = { provider: Address; port: number };
/** `observed`: the client's own address as the relay saw it (libp2p identify's observed address). */
export type PunchAnswer = { ok: true; host: string; port: number; observed: string } | { ok: false; reason: string };

const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65_536;

export function isPunchRequest(payload: Uint8Array): boolean {
  return Buffer.from(payload.subarray(0, 16)).toString('utf8').startsWith('{"type":"punch"');
}

export function encodePunchRequest(request: PunchRequest): Buffer {
  return Buffer.from(JSON.stringify({ type: 'punch', v: 1, provider: request.provider, port: request.port }));
}

export function decodePunchRequest(payload: Uint8Array): PunchRequest {
  const { provider, port } = parseRelayMessage(payload, 'punch');
  if (typeof provider !== 'string' || !isAddress(provider, { strict: false })) {
    throw new ReservationError('NET_RESERVATION_MALFORMED', 'provider is not an address');
  }
  if (!isPort(port)) throw new ReservationError('NET_RESERVATION_MALFORMED', 'port is not a TCP port');
  return { provider: getAddress(provider), port };
}

export function encodePunchAnswer(answer: PunchAnswer): Buffer {
  return Buffer.from(JSON.stringify({ type: 'punched', v: 1, ...answer }));
}

export function decodePunchAnswer(payload: Uint8Array): PunchAnswer {
  const m = parseRelayMessage(payload, 'punched');
  const isHost = (h: unknown): h is string => typeof h === 'string' && h.length > 0 && h.length <= 64;
  if (m.ok === true && isHost(m.host) && isPort(m.port) && isHost(m.observed)) {
    return { ok: true, host: m.host, port: m.port, observed: m.observed };
  }
  if (m.ok === false && typeof m.reason === 'string') return { ok: false, reason: m.reason.slice(0, 200) };
  throw new ReservationError('NET_RESERVATION_MALFORMED', 'answer is neither an address nor a refusal');
}
