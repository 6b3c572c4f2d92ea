/**
 * Messages of `/bandex/session/1` and their strict JSON codec.
 *
 * - client → provider: `propose` — the channel to pay through, the hash-chain anchor and
 *   tick value, the price and credit window, the chain and channels contract, a fresh
 *   random session nonce, and the client's X25519 tunnel key;
 * - provider → client: `accept` (session id + tunnel endpoint and the provider's X25519
 *   key) or `refuse` (a stable code and a human reason). Both echo the nonce.
 *
 * Amounts travel as decimal strings, byte strings as 0x-hex, keys as base64.
 */
import { type Address, getAddress, type Hex, isAddress } from 'viem';
import { MAX_CREDIT_BYTES, MAX_REFUSAL_REASON_LENGTH } from './constants.ts';
import { SessionError } from './errors.ts';
import { parseEndpoint } from './parseEndpoint.ts';
import { exactKeys, isBytes32Hex, isSafeUint, type JsonObject, parseStrictJson, parseUint256 } from './strictJson.ts';
import { isX25519PublicKey } from './x25519Key.ts';

export const SESSION_WIRE_VERSION = 1;

export type SessionProposal = {
  /** Payment channel id (bytes32) in the channels contract. */
  channelId: Hex;
  /** The channel's payer, who signs the vouchers. */
  payer: Address;
  /** Head of the PayWord hash chain the session's ticks reveal preimages of (bytes32). */
  tickAnchor: Hex;
  /** Wei paid per revealed tick. */
  tickValue: bigint;
  /** The price the client expects, wei per GiB; must match the provider's registry price. */
  priceWeiPerGiB: bigint;
  /** Credit window the client asks for: bytes the provider serves ahead of payment. */
  creditBytes: number;
  chainId: number;
  /** The PaymentChannels contract address. */
  channels: Address;
  /** 32 random bytes chosen by the client, echoed in the answer. */
  sessionNonce: Hex;
  /** The client's X25519 static tunnel key, canonical base64 of 32 bytes. */
  clientTunnelKey: string;
};

/** Where and how to open the data-plane tunnel for an accepted session. */
export type SessionTunnel = { host: string; port: number; publicKey: string };

export type SessionAccept = { ok: true; sessionNonce: Hex; sessionId: Hex; tunnel: SessionTunnel };
export type SessionRefuse = { ok: false; sessionNonce: Hex; code: string; reason: string };
export type SessionAnswer = SessionAccept | SessionRefuse;

const PROPOSAL_KEYS = [
  'type',
  'v',
  'channelId',
  'payer',
  'tickAnchor',
  'tickValue',
  'priceWeiPerGiB',
  'creditBytes',
  'chainId',
  'channels',
  'sessionNonce',
  'clientTunnelKey',
] as const;
const ACCEPT_KEYS = ['type', 'v', 'sessionNonce', 'sessionId', 'tunnel'] as const;
const REFUSE_KEYS = ['type', 'v', 'sessionNonce', 'code', 'reason'] as const;
const TUNNEL_KEYS = ['host', 'port', 'publicKey'] as const;

/** Refusal codes: SCREAMING_SNAKE_CASE, at most 64 characters. */
export const REFUSAL_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

const encoder = new TextEncoder();

export function encodeProposal(p: SessionProposal): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      type: 'propose',
      v: SESSION_WIRE_VERSION,
      channelId: p.channelId,
      payer: p.payer,
      tickAnchor: p.tickAnchor,
      tickValue: p.tickValue.toString(),
      priceWeiPerGiB: p.priceWeiPerGiB.toString(),
      creditBytes: p.creditBytes,
      chainId: p.chainId,
      channels: p.channels,
      sessionNonce: p.sessionNonce,
      clientTunnelKey: p.clientTunnelKey,
    }),
  );
}

export function encodeAnswer(a: SessionAnswer): Uint8Array {
  return encoder.encode(
    JSON.stringify(
      a.ok
        ? {
            type: 'accept',
            v: SESSION_WIRE_VERSION,
            sessionNonce: a.sessionNonce,
            sessionId: a.sessionId,
            tunnel: a.tunnel,
          }
        : { type: 'refuse', v: SESSION_WIRE_VERSION, sessionNonce: a.sessionNonce, code: a.code, reason: a.reason },
    ),
  );
}

/** @throws {SessionError} `NET_SESSION_MALFORMED` */
export function decodeProposal(bytes: Uint8Array): SessionProposal {
  const m = parseMessage(bytes, 'propose', PROPOSAL_KEYS);
  const tickValue = parseUint256(m.tickValue);
  const priceWeiPerGiB = parseUint256(m.priceWeiPerGiB);
  if (!isBytes32Hex(m.channelId)) malformed('channelId is not 32 bytes of hex');
  if (!isAddressString(m.payer)) malformed('payer is not an address');
  if (!isBytes32Hex(m.tickAnchor)) malformed('tickAnchor is not 32 bytes of hex');
  if (tickValue === undefined) malformed('tickValue is not a decimal uint256 string');
  if (priceWeiPerGiB === undefined) malformed('priceWeiPerGiB is not a decimal uint256 string');
  if (!isSafeUint(m.creditBytes, MAX_CREDIT_BYTES) || m.creditBytes === 0) malformed('creditBytes is out of range');
  if (!isSafeUint(m.chainId) || m.chainId === 0) malformed('chainId is not a positive integer');
  if (!isAddressString(m.channels)) malformed('channels is not an address');
  if (!isBytes32Hex(m.sessionNonce)) malformed('sessionNonce is not 32 bytes of hex');
  if (!isX25519PublicKey(m.clientTunnelKey)) malformed('clientTunnelKey is not base64 of 32 bytes');
  return {
    channelId: (m.channelId as Hex).toLowerCase() as Hex,
    payer: getAddress(m.payer as string),
    tickAnchor: (m.tickAnchor as Hex).toLowerCase() as Hex,
    tickValue: tickValue as bigint,
    priceWeiPerGiB: priceWeiPerGiB as bigint,
    creditBytes: m.creditBytes as number,
    chainId: m.chainId as number,
    channels: getAddress(m.channels as string),
    sessionNonce: (m.sessionNonce as Hex).toLowerCase() as Hex,
    clientTunnelKey: m.clientTunnelKey as string,
  };
}

/** @throws {SessionError} `NET_SESSION_MALFORMED` */
export function decodeAnswer(bytes: Uint8Array): SessionAnswer {
  const type = peekType(bytes);
  if (type === 'refuse') {
    const m = parseMessage(bytes, 'refuse', REFUSE_KEYS);
    if (!isBytes32Hex(m.sessionNonce)) malformed('sessionNonce is not 32 bytes of hex');
    if (typeof m.code !== 'string' || !REFUSAL_CODE.test(m.code)) malformed('code is not a refusal code');
    if (typeof m.reason !== 'string' || m.reason.length > MAX_REFUSAL_REASON_LENGTH) malformed('reason is too long');
    return {
      ok: false,
      sessionNonce: (m.sessionNonce as Hex).toLowerCase() as Hex,
      code: m.code as string,
      reason: m.reason as string,
    };
  }
  const m = parseMessage(bytes, 'accept', ACCEPT_KEYS);
  if (!isBytes32Hex(m.sessionNonce)) malformed('sessionNonce is not 32 bytes of hex');
  if (!isBytes32Hex(m.sessionId)) malformed('sessionId is not 32 bytes of hex');
  const problem = exactKeys(m.tunnel, TUNNEL_KEYS, 'tunnel');
  if (problem) malformed(problem);
  return {
    ok: true,
    sessionNonce: (m.sessionNonce as Hex).toLowerCase() as Hex,
    sessionId: (m.sessionId as Hex).toLowerCase() as Hex,
    tunnel: checkTunnel(m.tunnel as JsonObject),
  };
}

/** Validates a tunnel description (also used by the server on what `checkProposal` returns). */
export function checkTunnel(t: { host?: unknown; port?: unknown; publicKey?: unknown }): SessionTunnel {
  if (typeof t.host !== 'string' || !isSafeUint(t.port, 65_535) || t.port === 0) malformed('tunnel host/port invalid');
  const host = t.host as string;
  const endpoint = parseEndpoint(host.includes(':') ? `[${host}]:${t.port}` : `${host}:${t.port}`);
  if (!endpoint) malformed('tunnel host is not an IP address or DNS name');
  if (!isX25519PublicKey(t.publicKey)) malformed('tunnel publicKey is not base64 of 32 bytes');
  return { host: (endpoint as { host: string }).host, port: t.port as number, publicKey: t.publicKey as string };
}

function parseMessage(bytes: Uint8Array, type: string, keys: readonly string[]): JsonObject {
  let json: unknown;
  try {
    json = parseStrictJson(bytes);
  } catch (cause) {
    throw new SessionError('NET_SESSION_MALFORMED', 'not UTF-8 JSON', {}, cause);
  }
  const problem = exactKeys(json, keys, 'message');
  if (problem) malformed(problem);
  const m = json as JsonObject;
  if (m.type !== type) malformed(`expected a ${type} message, got ${String(m.type).slice(0, 32)}`);
  if (m.v !== SESSION_WIRE_VERSION) malformed(`unsupported version ${String(m.v).slice(0, 16)}`);
  return m;
}

function peekType(bytes: Uint8Array): unknown {
  try {
    const json = parseStrictJson(bytes);
    return typeof json === 'object' && json !== null ? (json as JsonObject).type : undefined;
  } catch {
    return undefined;
  }
}

function isAddressString(value: unknown): value is string {
  return typeof value === 'string' && isAddress(value, { strict: false });
}

function malformed(reason: string): never {
  throw new SessionError('NET_SESSION_MALFORMED', reason);
}
