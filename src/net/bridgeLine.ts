/**
 * Bridge lines: a provider's transports handed out privately instead of in its gossiped offer. Anyone can read
 * every offer (a censor that joins the network too), so an obfs key, a wss secret path or an endpoint behind a
 * CDN listed there is known to the censor. A provider started with `--bridge` leaves its obfuscated transports
 * out of the offer and signs them in a line it gives to people out of band (like Tor's bridge lines):
 *
 *   bandex-bridge:<base64url of {"v":1,"bridge":{provider, chainId, tunnelPublicKey, transports, issuedAt, expiresAt},"signature"}>
 *
 * `signature` is EIP-712 over `Bridge` below in the offers' domain, by the provider's chain account: a client
 * takes the transports only if that account signed them for the tunnel key its current offer names. The type
 * differs from `Offer`, so neither signature can stand in for the other.
 */
import { getAddress, isAddress, isAddressEqual, type LocalAccount, recoverTypedDataAddress } from 'viem';
import type { OfferTransport } from '../transport/transportSpec.ts';
import { MAX_BRIDGE_LINE_LENGTH, MAX_BRIDGE_LINE_TTL_SECONDS, MAX_CLOCK_SKEW_SECONDS } from './constants.ts';
import { checkTransports } from './decodeOffer.ts';
import { BridgeError } from './errors.ts';
import { offersDomain, offerTypes } from './offer.ts';
import { exactKeys, isSafeUint, isSignatureHex, type JsonObject, parseStrictJson } from './strictJson.ts';
import { isX25519PublicKey, x25519KeyToBytes32 } from './x25519Key.ts';

export const BRIDGE_LINE_PREFIX = 'bandex-bridge:';
const BRIDGE_LINE_VERSION = 1;

export const bridgeTypes = {
  Bridge: [
    { name: 'provider', type: 'address' },
    { name: 'tunnelPublicKey', type: 'bytes32' },
    { name: 'transports', type: 'Transport[]' },
    { name: 'issuedAt', type: 'uint64' },
    { name: 'expiresAt', type: 'uint64' },
  ],
  Transport: offerTypes.Transport,
} as const;

export type Bridge = {
  provider: `0x${string}`;
  chainId: number;
  /** The tunnel key the transports reach (canonical base64 of 32 bytes): a line is void once the key changes. */
  tunnelPublicKey: string;
  transports: OfferTransport[];
  issuedAt: number;
  expiresAt: number;
};

export type SignedBridge = { bridge: Bridge; signature: `0x${string}` };

function bridgeTypedData(bridge: Bridge) {
  return {
    domain: offersDomain(bridge.chainId),
    types: bridgeTypes,
    primaryType: 'Bridge' as const,
    message: {
      provider: bridge.provider,
      tunnelPublicKey: x25519KeyToBytes32(bridge.tunnelPublicKey),
      transports: bridge.transports.map(({ name, endpoint, params }) => ({ name, endpoint, params })),
      issuedAt: BigInt(bridge.issuedAt),
      expiresAt: BigInt(bridge.expiresAt),
    },
  };
}

/** Signs a bridge with the provider's chain account (its address becomes `provider`). */
export async function signBridge(account: LocalAccount, fields: Omit<Bridge, 'provider'>): Promise<SignedBridge> {
  if (!account.signTypedData) throw new TypeError('the account cannot sign typed data');
  const bridge: Bridge = { ...fields, provider: getAddress(account.address) };
  return { bridge, signature: await account.signTypedData(bridgeTypedData(bridge)) };
}

export function encodeBridgeLine({ bridge, signature }: SignedBridge): string {
  const json = JSON.stringify({ v: BRIDGE_LINE_VERSION, bridge, signature });
  return BRIDGE_LINE_PREFIX + Buffer.from(json, 'utf8').toString('base64url');
}

const OUTER_KEYS = ['v', 'bridge', 'signature'] as const;
const BRIDGE_KEYS = ['provider', 'chainId', 'tunnelPublicKey', 'transports', 'issuedAt', 'expiresAt'] as const;

/**
 * Strict decoding (shape only; `verifyBridgeLine` checks who signed it).
 * @throws {BridgeError} `NET_BRIDGE_MALFORMED`.
 */
export function decodeBridgeLine(line: string): SignedBridge {
  const fail = (reason: string): never => {
    throw new BridgeError('NET_BRIDGE_MALFORMED', reason);
  };
  const text = line.trim();
  if (text.length > MAX_BRIDGE_LINE_LENGTH) fail(`longer than ${MAX_BRIDGE_LINE_LENGTH} characters`);
  if (!text.startsWith(BRIDGE_LINE_PREFIX)) fail(`it does not start with ${BRIDGE_LINE_PREFIX}`);
  const body = text.slice(BRIDGE_LINE_PREFIX.length);
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.toString('base64url') !== body) fail('not base64url');
  let outer: unknown;
  try {
    outer = parseStrictJson(bytes);
  } catch {
    fail('not UTF-8 JSON');
  }
  const outerProblem = exactKeys(outer, OUTER_KEYS, 'line');
  if (outerProblem) fail(outerProblem);
  const { v, bridge, signature } = outer as JsonObject;
  if (v !== BRIDGE_LINE_VERSION) fail(`unknown version ${String(v).slice(0, 8)}`);
  if (!isSignatureHex(signature)) fail('signature is not 65 bytes of hex');
  const problem = exactKeys(bridge, BRIDGE_KEYS, 'bridge');
  if (problem) fail(problem);
  const b = bridge as JsonObject;
  if (typeof b.provider !== 'string' || !isAddress(b.provider, { strict: false })) fail('provider is not an address');
  if (!isSafeUint(b.chainId) || (b.chainId as number) === 0) fail('chainId is not a positive integer');
  if (!isX25519PublicKey(b.tunnelPublicKey)) fail('tunnelPublicKey is not base64 of 32 bytes');
  const transportProblem = checkTransports(b.transports);
  if (transportProblem) fail(transportProblem);
  if ((b.transports as unknown[]).length === 0) fail('it lists no transport');
  if (!isSafeUint(b.issuedAt) || !isSafeUint(b.expiresAt)) fail('issuedAt and expiresAt must be unix seconds');
  return {
    bridge: {
      provider: getAddress(b.provider as string),
      chainId: b.chainId as number,
      tunnelPublicKey: b.tunnelPublicKey as string,
      transports: (b.transports as JsonObject[]).map((t) => ({
        name: t.name as string,
        endpoint: t.endpoint as string,
        params: t.params as string,
      })),
      issuedAt: b.issuedAt as number,
      expiresAt: b.expiresAt as number,
    },
    signature: signature as `0x${string}`,
  };
}

/**
 * Decodes and checks a bridge line: this chain, within its lifetime, signed by its provider.
 * @throws {BridgeError} `NET_BRIDGE_MALFORMED`, `NET_BRIDGE_WRONG_CHAIN`, `NET_BRIDGE_EXPIRED`, `NET_BRIDGE_BAD_SIGNATURE`.
 */
export async function verifyBridgeLine(
  line: string,
  { chainId, nowSeconds = Math.floor(Date.now() / 1000) }: { chainId: number; nowSeconds?: number },
): Promise<Bridge> {
  const { bridge, signature } = decodeBridgeLine(line);
  const meta = { provider: bridge.provider };
  if (bridge.chainId !== chainId) {
    throw new BridgeError('NET_BRIDGE_WRONG_CHAIN', `it is for chain ${bridge.chainId}, not ${chainId}`, meta);
  }
  if (bridge.expiresAt <= nowSeconds)
    throw new BridgeError('NET_BRIDGE_EXPIRED', `it expired at ${bridge.expiresAt}`, meta);
  if (bridge.issuedAt > nowSeconds + MAX_CLOCK_SKEW_SECONDS) {
    throw new BridgeError('NET_BRIDGE_MALFORMED', `issued at ${bridge.issuedAt}, in the future`, meta);
  }
  if (bridge.expiresAt - bridge.issuedAt > MAX_BRIDGE_LINE_TTL_SECONDS) {
    throw new BridgeError('NET_BRIDGE_MALFORMED', `lifetime above ${MAX_BRIDGE_LINE_TTL_SECONDS} s`, meta);
  }
  let signer: `0x${string}`;
  try {
    signer = await recoverTypedDataAddress({ ...bridgeTypedData(bridge), signature });
  } catch (cause) {
    throw new BridgeError('NET_BRIDGE_BAD_SIGNATURE', 'the signature does not recover', meta, cause);
  }
  if (!isAddressEqual(signer, bridge.provider)) {
    throw new BridgeError('NET_BRIDGE_BAD_SIGNATURE', `signed by ${signer}, not by ${bridge.provider}`, meta);
  }
  return bridge;
}
