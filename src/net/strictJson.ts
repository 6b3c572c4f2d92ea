/**
 * Small strict checks shared by the wire decoders (offers, session messages): parse
 * UTF-8 JSON with a size cap, demand an exact key set, and validate the scalar shapes
 * the protocol uses. Every check returns a reason string (or `undefined` when fine), so
 * decoders can wrap it in their own typed error.
 */
import { MAX_UINT256 } from './constants.ts';

const DECIMAL = /^(?:0|[1-9][0-9]{0,77})$/;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX_SIGNATURE = /^0x[0-9a-fA-F]{130}$/;

export type JsonObject = Record<string, unknown>;

/** Decodes fatal UTF-8 and parses JSON; throws a plain `Error` with a reason. */
export function parseStrictJson(bytes: Uint8Array): unknown {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return JSON.parse(text);
}

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `undefined` if `value` is an object with exactly `keys`, else a reason. */
export function exactKeys(value: unknown, keys: readonly string[], what: string): string | undefined {
  if (!isPlainObject(value)) return `${what} is not an object`;
  const present = Object.keys(value);
  const extra = present.filter((k) => !keys.includes(k));
  if (extra.length > 0) return `${what} has unknown field ${extra[0]}`;
  const missing = keys.filter((k) => !(k in value));
  if (missing.length > 0) return `${what} lacks field ${missing[0]}`;
  return undefined;
}

/** A uint256 written as a decimal string without leading zeros. */
export function parseUint256(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || !DECIMAL.test(value)) return undefined;
  const n = BigInt(value);
  return n <= MAX_UINT256 ? n : undefined;
}

export function isSafeUint(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

export function isBytes32Hex(value: unknown): value is `0x${string}` {
  return typeof value === 'string' && HEX32.test(value);
}

export function isSignatureHex(value: unknown): value is `0x${string}` {
  return typeof value === 'string' && HEX_SIGNATURE.test(value);
}
