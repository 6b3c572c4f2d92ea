/**
 * Session proposal and answer, and their strict JSON codec. They ride inside the tunnel handshake
 * (docs/protocol.md, "Session setup inside the tunnel"): the proposal is Noise IK message 1's payload,
 * encrypted to the provider's static key, the answer message 2's, readable by the client only.
 *
 * - client → provider: `propose` — the channel to pay through, the hash-chain anchor and
 *   tick value, the price and credit window, the chain and channels contract, a fresh
 *   random session nonce, the client's X25519 tunnel key, an expiry, and the payer's EIP-712
 *   signature over (channel, provider, tunnel key, nonce, expiry) — so nobody can open a
 *   session on a channel whose payer key they do not hold (`session/proposalSignature.ts`);
 * - provider → client: `accept` (session id, and
 *   what the channel already owes: the bytes served over its life and the best claim the provider
 *   holds, which the opening voucher must cover) or `refuse` (a stable code and a human reason).
 *   Both echo the nonce.
 *
 * Amounts travel as decimal strings, byte strings as 0x-hex, keys as base64.
 */
import { randomBytes } from 'node:crypto';
import { type Address, getAddress, type Hex, isAddress } from 'viem';
import { MAX_CREDIT_BYTES, MAX_REFUSAL_REASON_LENGTH } from './constants.ts';
import { SessionError } from './errors.ts';
import {
  exactKeys,
  isBytes32Hex,
  isSafeUint,
  isSignatureHex,
  type JsonObject,
  parseStrictJson,
  parseUint256,
} from './strictJson.ts';

/** An expiry beyond this (year 2100) is no unix time in seconds. */
const MAX_EXPIRY = 4_102_444_800;
/** A claim never carries more ticks than the contract hashes in one redemption (`MAX_TICKS_PER_REDEEM`). */
const MAX_CLAIM_TICKS = 1_024;

import { isX25519PublicKey } from './x25519Key.ts';

/** 3: the messages travel in the tunnel handshake; the accept names no tunnel endpoint (the handshake is it). */
export const SESSION_WIRE_VERSION = 3;

/** A fresh 32-byte session nonce. */
export function newSessionNonce(): Hex {
  return `0x${randomBytes(32).toString('hex')}`;
}

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
  /** Unix seconds after which the proposal is void. */
  expiry: number;
  /** The payer's EIP-712 `SessionProposal` signature (65 bytes, 0x-hex). */
  signature: Hex;
};

/** The best claim a provider holds on a channel: a voucher the payer signed and the ticks revealed since. */
export type ChannelClaimView = {
  amount: bigint;
  tickAnchor: Hex;
  tickValue: bigint;
  signature: Hex;
  preimage: Hex;
  ticks: number;
};

/** What a channel already owes, as the provider knows it: the opening voucher must cover it. */
export type ChannelDebt = { servedBytes: number; claim: ChannelClaimView | null };

export type SessionAccept = {
  ok: true;
  sessionNonce: Hex;
  sessionId: Hex;
  channel: ChannelDebt;
};
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
  'expiry',
  'signature',
] as const;
const ACCEPT_KEYS = ['type', 'v', 'sessionNonce', 'sessionId', 'channel'] as const;
const DEBT_KEYS = ['servedBytes', 'claim'] as const;
const CLAIM_KEYS = ['amount', 'tickAnchor', 'tickValue', 'signature', 'preimage', 'ticks'] as const;
const REFUSE_KEYS = ['type', 'v', 'sessionNonce', 'code', 'reason'] as const;

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
      expiry: p.expiry,
      signature: p.signature,
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
            channel: {
              servedBytes: a.channel.servedBytes,
              claim: a.channel.claim && {
                ...a.channel.claim,
                amount: a.channel.claim.amount.toString(),
                tickValue: a.channel.claim.tickValue.toString(),
              },
            },
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
  if (!isSafeUint(m.expiry, MAX_EXPIRY) || m.expiry === 0) malformed('expiry is not a unix time in seconds');
  if (!isSignatureHex(m.signature)) malformed('signature is not 65 bytes of hex');
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
    expiry: m.expiry as number,
    signature: (m.signature as Hex).toLowerCase() as Hex,
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
  return {
    ok: true,
    sessionNonce: (m.sessionNonce as Hex).toLowerCase() as Hex,
    sessionId: (m.sessionId as Hex).toLowerCase() as Hex,
    channel: decodeDebt(m.channel),
  };
}

function decodeDebt(value: unknown): ChannelDebt {
  const problem = exactKeys(value, DEBT_KEYS, 'channel');
  if (problem) malformed(problem);
  const d = value as JsonObject;
  if (!isSafeUint(d.servedBytes)) malformed('channel.servedBytes is not a byte count');
  if (d.claim === null) return { servedBytes: d.servedBytes as number, claim: null };
  const claimProblem = exactKeys(d.claim, CLAIM_KEYS, 'channel.claim');
  if (claimProblem) malformed(claimProblem);
  const c = d.claim as JsonObject;
  const amount = parseUint256(c.amount);
  const tickValue = parseUint256(c.tickValue);
  if (amount === undefined || tickValue === undefined) malformed('channel.claim amounts are not uint256 strings');
  if (!isBytes32Hex(c.tickAnchor) || !isBytes32Hex(c.preimage)) malformed('channel.claim hashes are not 32 bytes');
  if (!isSignatureHex(c.signature)) malformed('channel.claim.signature is not 65 bytes of hex');
  if (!isSafeUint(c.ticks, MAX_CLAIM_TICKS)) malformed('channel.claim.ticks is out of range');
  return {
    servedBytes: d.servedBytes as number,
    claim: {
      amount: amount as bigint,
      tickAnchor: c.tickAnchor as Hex,
      tickValue: tickValue as bigint,
      signature: c.signature as Hex,
      preimage: c.preimage as Hex,
      ticks: c.ticks as number,
    },
  };
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
