/**
 * Strict decoding of a wire offer (see `encodeOffer.ts`): size cap, exact field sets,
 * every field's shape checked. Decoding proves nothing about who signed it; that is
 * `verifyOffer`'s job.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { getAddress, isAddress } from 'viem';
import { parseTransport } from '../transport/transportSpec.ts';
import {
  MAX_CAPACITY_BYTES_PER_SECOND,
  MAX_OFFER_BYTES,
  MAX_OFFER_ENDPOINTS,
  MAX_OFFER_PROTOCOLS,
  MAX_OFFER_TRANSPORTS,
  MAX_PROTOCOL_ID_LENGTH,
} from './constants.ts';
import { OFFER_WIRE_VERSION } from './encodeOffer.ts';
import { OfferError } from './errors.ts';
import type { SignedOffer } from './offer.ts';
import { parseEndpoint } from './parseEndpoint.ts';
import { parseRelayEndpoint } from './relayEndpoint.ts';
import { exactKeys, isSafeUint, isSignatureHex, type JsonObject, parseStrictJson, parseUint256 } from './strictJson.ts';
import { isX25519PublicKey } from './x25519Key.ts';

const OUTER_KEYS = ['v', 'offer', 'signature', 'binding'] as const;
const OFFER_KEYS = [
  'provider',
  'peerId',
  'chainId',
  'priceWeiPerGiB',
  'region',
  'capacityBytesPerSecond',
  'endpoints',
  'tunnelPublicKey',
  'transports',
  'protocols',
  'issuedAt',
  'expiresAt',
  'sequence',
] as const;

const TRANSPORT_KEYS = ['name', 'endpoint', 'params'] as const;
const REGION = /^[A-Z]{2}$/;
const PROTOCOL_ID = /^\/[a-z0-9][a-z0-9._/-]*$/;

/**
 * `undefined` if `value` is a list of at most `MAX_OFFER_TRANSPORTS` transports, each named once, each with a
 * `host:port` endpoint and parameters `parseTransport` accepts; else a reason. Offers and bridge lines share it.
 */
export function checkTransports(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length > MAX_OFFER_TRANSPORTS) {
    return `transports must list at most ${MAX_OFFER_TRANSPORTS} entries`;
  }
  const names = new Set<string>();
  for (const t of value as unknown[]) {
    const problem = exactKeys(t, TRANSPORT_KEYS, 'transport');
    if (problem) return problem;
    const { name, endpoint, params } = t as JsonObject;
    if (typeof name !== 'string' || typeof endpoint !== 'string' || typeof params !== 'string') {
      return 'transport fields must be strings';
    }
    if (names.has(name)) return `transport ${name.slice(0, 16)} listed twice`;
    names.add(name);
    if (!parseEndpoint(endpoint)) return `transport endpoint ${endpoint.slice(0, 64)} is not host:port`;
    try {
      parseTransport(name, params);
    } catch (cause) {
      return `transport ${name.slice(0, 16)}: ${(cause as Error).message}`;
    }
  }
  return undefined;
}

/**
 * @throws {OfferError} `NET_OFFER_OVERSIZE` or `NET_OFFER_MALFORMED`.
 */
export function decodeOffer(bytes: Uint8Array): SignedOffer {
  if (bytes.byteLength > MAX_OFFER_BYTES) {
    throw new OfferError('NET_OFFER_OVERSIZE', `${bytes.byteLength} bytes, at most ${MAX_OFFER_BYTES}`);
  }
  let json: unknown;
  try {
    json = parseStrictJson(bytes);
  } catch (cause) {
    throw new OfferError('NET_OFFER_MALFORMED', 'not UTF-8 JSON', {}, cause);
  }
  const bad = (reason: string, provider?: string): never => {
    throw new OfferError('NET_OFFER_MALFORMED', reason, provider ? { provider } : {});
  };
  const outerProblem = exactKeys(json, OUTER_KEYS, 'message');
  if (outerProblem) bad(outerProblem);
  const outer = json as JsonObject;
  if (outer.v !== OFFER_WIRE_VERSION) bad(`unsupported version ${String(outer.v)}`);
  const offerProblem = exactKeys(outer.offer, OFFER_KEYS, 'offer');
  if (offerProblem) bad(offerProblem);
  const o = outer.offer as JsonObject;

  if (typeof o.provider !== 'string' || !isAddress(o.provider, { strict: false })) bad('provider is not an address');
  const provider = getAddress(o.provider as string);
  const fail = (reason: string): never => bad(reason, provider);

  if (typeof o.peerId !== 'string') fail('peerId is not a string');
  try {
    const id = peerIdFromString(o.peerId as string);
    if (id.type !== 'Ed25519' || id.toString() !== o.peerId) fail('peerId is not a canonical Ed25519 peer id');
  } catch (cause) {
    if (cause instanceof OfferError) throw cause;
    fail('peerId is not a libp2p peer id');
  }
  if (!isSafeUint(o.chainId) || o.chainId === 0) fail('chainId is not a positive integer');
  const priceWeiPerGiB = parseUint256(o.priceWeiPerGiB);
  if (priceWeiPerGiB === undefined) fail('priceWeiPerGiB is not a decimal uint256 string');
  if (typeof o.region !== 'string' || !REGION.test(o.region)) fail('region is not an ISO 3166-1 alpha-2 code');
  if (!isSafeUint(o.capacityBytesPerSecond, MAX_CAPACITY_BYTES_PER_SECOND) || o.capacityBytesPerSecond === 0) {
    fail('capacityBytesPerSecond is out of range');
  }
  const endpoints = o.endpoints;
  if (!Array.isArray(endpoints) || endpoints.length === 0 || endpoints.length > MAX_OFFER_ENDPOINTS) {
    fail(`endpoints must list 1 to ${MAX_OFFER_ENDPOINTS} entries`);
  }
  for (const e of endpoints as unknown[]) {
    if (typeof e !== 'string' || !(parseEndpoint(e) || parseRelayEndpoint(e))) {
      fail(`endpoint ${String(e).slice(0, 64)} is not host:port or relay:<address>`);
    }
  }
  if (!isX25519PublicKey(o.tunnelPublicKey)) fail('tunnelPublicKey is not base64 of 32 bytes');
  const transports = o.transports;
  const transportProblem = checkTransports(transports);
  if (transportProblem) fail(transportProblem);
  const protocols = o.protocols;
  if (!Array.isArray(protocols) || protocols.length === 0 || protocols.length > MAX_OFFER_PROTOCOLS) {
    fail(`protocols must list 1 to ${MAX_OFFER_PROTOCOLS} entries`);
  }
  for (const p of protocols as unknown[]) {
    if (typeof p !== 'string' || p.length > MAX_PROTOCOL_ID_LENGTH || !PROTOCOL_ID.test(p)) {
      fail(`protocol ${String(p).slice(0, 64)} is not a protocol id`);
    }
  }
  if (!isSafeUint(o.issuedAt)) fail('issuedAt is not unix seconds');
  if (!isSafeUint(o.expiresAt)) fail('expiresAt is not unix seconds');
  if ((o.expiresAt as number) <= (o.issuedAt as number)) fail('expiresAt is not after issuedAt');
  if (!isSafeUint(o.sequence)) fail('sequence is not a non-negative integer');
  if (!isSignatureHex(outer.signature)) fail('signature is not 65 bytes of hex');
  if (!isSignatureHex(outer.binding)) fail('binding is not 65 bytes of hex');

  return {
    offer: {
      provider,
      peerId: o.peerId as string,
      chainId: o.chainId as number,
      priceWeiPerGiB: priceWeiPerGiB as bigint,
      region: o.region as string,
      capacityBytesPerSecond: o.capacityBytesPerSecond as number,
      endpoints: [...(endpoints as string[])],
      tunnelPublicKey: o.tunnelPublicKey as string,
      transports: (transports as JsonObject[]).map((t) => ({
        name: t.name as string,
        endpoint: t.endpoint as string,
        params: t.params as string,
      })),
      protocols: [...(protocols as string[])],
      issuedAt: o.issuedAt as number,
      expiresAt: o.expiresAt as number,
      sequence: o.sequence as number,
    },
    signature: outer.signature as `0x${string}`,
    binding: outer.binding as `0x${string}`,
  };
}
