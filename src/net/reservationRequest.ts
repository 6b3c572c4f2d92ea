/**
 * A NATed provider's relay reservation (docs/nat.md), the payload of the Noise IK handshake's first message
 * when it dials its relay's tunnel port, and the relay's answer in the second. The request is signed by the
 * provider's chain account (EIP-191) over the chain, the relay's tunnel key, the provider's own tunnel key
 * and an expiry: the relay admits it only when the signer is a registered provider, the key the handshake
 * authenticated (`remoteStatic`) is the provider key signed, and its own key is the relay key signed. So a
 * reservation cannot be made for somebody else, replayed at another relay, or made with a stolen request
 * once it has expired; and a client that reaches the NATed provider through it runs its own Noise handshake
 * with that same tunnel key, end to end.
 */
import { type Address, getAddress, type Hex, isAddress, type LocalAccount, recoverMessageAddress } from 'viem';
import { ReservationError } from './errors.ts';

/** Longest a signed request stays valid: it is made fresh for every (re)connection. */
export const MAX_RESERVATION_LIFETIME_S = 600;

export type ReservationRequest = { provider: Address; expiry: number; signature: Hex };
export type ReservationAnswer = { ok: true } | { ok: false; reason: string };

type Context = { chainId: number; relayKey: Buffer; providerKey: Buffer };

function reservationMessage({ chainId, relayKey, providerKey }: Context, expiry: number): string {
  return [
    'Bandex relay reservation',
    `chain: ${chainId}`,
    `relay tunnel key: ${relayKey.toString('base64')}`,
    `provider tunnel key: ${providerKey.toString('base64')}`,
    `expiry: ${expiry}`,
  ].join('\n');
}

export async function signReservationRequest(
  account: LocalAccount,
  context: Context,
  expiry: number,
): Promise<ReservationRequest> {
  const signature = await account.signMessage({ message: reservationMessage(context, expiry) });
  return { provider: account.address, expiry, signature };
}

/** Is this handshake payload a reservation request (and not a session proposal)? */
export function isReservationRequest(payload: Uint8Array): boolean {
  return Buffer.from(payload.subarray(0, 20)).toString('utf8').startsWith('{"type":"reserve"');
}

export function encodeReservationRequest(request: ReservationRequest): Buffer {
  return Buffer.from(JSON.stringify({ type: 'reserve', v: 1, ...request }));
}

/** A relay control message's fields: JSON of `type` and version 1 (reservation and punch requests). */
export function parseRelayMessage(payload: Uint8Array, type: string): Record<string, unknown> {
  let m: unknown;
  try {
    m = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    throw new ReservationError('NET_RESERVATION_MALFORMED', 'not JSON');
  }
  if (
    typeof m !== 'object' ||
    m === null ||
    (m as { type?: unknown }).type !== type ||
    (m as { v?: unknown }).v !== 1
  ) {
    throw new ReservationError('NET_RESERVATION_MALFORMED', `not a ${type} message of version 1`);
  }
  return m as Record<string, unknown>;
}

export function decodeReservationRequest(payload: Uint8Array): ReservationRequest {
  const m = parseRelayMessage(payload, 'reserve');
  const { provider, expiry, signature } = m;
  if (typeof provider !== 'string' || !isAddress(provider, { strict: false })) {
    throw new ReservationError('NET_RESERVATION_MALFORMED', 'provider is not an address');
  }
  if (typeof expiry !== 'number' || !Number.isSafeInteger(expiry) || expiry <= 0) {
    throw new ReservationError('NET_RESERVATION_MALFORMED', 'expiry is not a positive integer');
  }
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new ReservationError('NET_RESERVATION_MALFORMED', 'signature is not 65 bytes of hex');
  }
  return { provider: getAddress(provider), expiry, signature: signature as Hex };
}

/**
 * The relay's checks, stateless part: fresh, and signed by `request.provider` for this relay and the key the
 * handshake authenticated. Resolves with the provider; the caller checks the registry and its own bounds.
 */
export async function verifyReservationRequest(
  request: ReservationRequest,
  context: Context,
  nowS = Math.floor(Date.now() / 1000),
): Promise<Address> {
  const meta = { provider: request.provider };
  if (request.expiry <= nowS) throw new ReservationError('NET_RESERVATION_REFUSED', 'the request has expired', meta);
  if (request.expiry > nowS + MAX_RESERVATION_LIFETIME_S) {
    throw new ReservationError('NET_RESERVATION_REFUSED', 'the request expires too far ahead', meta);
  }
  const signer = await recoverMessageAddress({
    message: reservationMessage(context, request.expiry),
    signature: request.signature,
  }).catch(() => undefined);
  if (!signer || getAddress(signer) !== request.provider) {
    throw new ReservationError(
      'NET_RESERVATION_REFUSED',
      'the signature is not the provider’s over these tunnel keys (wrong relay, or another tunnel key)',
      meta,
    );
  }
  return request.provider;
}

export function encodeReservationAnswer(answer: ReservationAnswer): Buffer {
  return Buffer.from(JSON.stringify({ type: 'reserved', v: 1, ...answer }));
}

export function decodeReservationAnswer(payload: Uint8Array): ReservationAnswer {
  const m = parseRelayMessage(payload, 'reserved');
  if (m.ok === true) return { ok: true };
  if (m.ok === false && typeof m.reason === 'string') return { ok: false, reason: m.reason.slice(0, 200) };
  throw new ReservationError('NET_RESERVATION_MALFORMED', 'answer is neither ok nor a refusal');
}
