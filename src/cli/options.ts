/** Parsers for command-line option values that fail with a message saying what is expected. */
import { InvalidArgumentError } from 'commander';
import { MAX_EPOCH_MS, MIN_EPOCH_MS } from '../audit/constants.ts';
import { TRANSPORT_NAMES } from '../transport/constants.ts';
import { isTransportName, type TransportName } from '../transport/transportSpec.ts';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free one)');
  return port;
}

export function parseUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'ws:' && url.protocol !== 'wss:')
      throw new Error();
    return value;
  } catch {
    throw new InvalidArgumentError('expected an http(s):// or ws(s):// URL, e.g. http://127.0.0.1:8545');
  }
}

export function parseHops(value: string): number {
  const hops = Number(value);
  if (!Number.isInteger(hops) || hops < 1 || hops > 3) throw new InvalidArgumentError('expected 1, 2 or 3 hops');
  return hops;
}

/** `--transport obfs,wss`: transports hop 1 may use, in order of preference, each once. */
export function parseTransportPolicy(value: string): TransportName[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => !isTransportName(n)) || new Set(names).size !== names.length)
    throw new InvalidArgumentError(`expected a comma-separated list of ${TRANSPORT_NAMES.join(', ')}, each once`);
  return names as TransportName[];
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

/** A two-letter country code (ISO 3166 alpha-2), upper-cased. */
export function parseCountryCode(value: string): string {
  if (!/^[A-Za-z]{2}$/.test(value))
    throw new InvalidArgumentError(`expected a two-letter region code such as DE or US, got "${value}"`);
  return value.toUpperCase();
}

/** A priority premium in basis points: 0 (none) to 10000 (+100 %). */
export function parsePremiumBps(value: string): number {
  const bps = Number(value);
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000)
    throw new InvalidArgumentError('expected basis points from 0 to 10000 (1000 = a 10 % premium)');
  return bps;
}

/** A rate in bytes per second: a whole number from 1. */
export function parsePositiveRate(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected bytes per second, a whole number from 1');
  return n;
}

/** An audit epoch in seconds (`bandex audit`, `bandex devnet`), returned in milliseconds. */
export function parseEpochSeconds(value: string): number {
  const ms = Number(value) * 1000;
  if (!Number.isInteger(ms) || ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS)
    throw new InvalidArgumentError(
      `expected the epoch in seconds, from ${MIN_EPOCH_MS / 1000} to ${MAX_EPOCH_MS / 1000}, e.g. 3600 for an hour`,
    );
  return ms;
}
