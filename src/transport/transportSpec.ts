/**
 * What a transport is called and what a client needs to dial it, as a signed offer carries it:
 * `{ name, endpoint: "host:port", params: "k=v;k=v" }` (keys sorted, values URL-safe). Parsing is
 * strict: an unknown name or a malformed parameter is a `TransportError`, never a guess.
 *
 * | name | params |
 * |---|---|
 * | `plain` | (none) |
 * | `obfs` | `psk` (base64url of 32 bytes), `iat` (timing jitter, ms, optional) |
 * | `wss` | `path` (the secret path), `sni` (optional DNS name), `pin` (optional SHA-256 hex of the certificate), `bind` (optional, `1`: TLS ends at the listener itself; the tunnel binds to it and sends clear records) |
 * | `obfs4` | `cert` (base64url of obfs4's 52-byte node id and public key), `iat` (obfs4's iat-mode: 0, 1 or 2) |
 */
import { OBFS_PSK_LEN, TRANSPORT_NAMES, WS_SECRET_LEN } from './constants.ts';
import { TransportError } from './errors.ts';

export type TransportName = (typeof TRANSPORT_NAMES)[number];

export type TransportSpec =
  | { name: 'plain' }
  | { name: 'obfs'; psk: Buffer; jitterMs?: number }
  | {
      name: 'wss';
      path: string;
      serverName?: string;
      certSha256?: string;
      /**
       * `bind=1`: the listener speaks TLS itself (no proxy or CDN in front), so hop 1's handshake is bound to the
       * TLS session (its exporter in the Noise prologue) and its records are clear inside TLS (`docs/transports.md`).
       */
      bind?: true;
    }
  /** Debian's `obfs4proxy`, run as a managed pluggable transport (`obfs4.ts`). */
  | { name: 'obfs4'; cert: Buffer; iatMode: Obfs4IatMode };

/** obfs4's inter-arrival-time mode: 0 off, 1 split and delay writes, 2 also randomise packet sizes ("paranoid"). */
export type Obfs4IatMode = 0 | 1 | 2;

/** Bytes of an obfs4 `cert`: the server's 20-byte node id and its 32-byte Curve25519 public key. */
export const OBFS4_CERT_LEN = 52;

/** A transport as an offer lists it (signed in the offer's typed data). */
export type OfferTransport = { name: string; endpoint: string; params: string };

/** Longest `params` string accepted in an offer. */
export const MAX_TRANSPORT_PARAMS_LENGTH = 256;
const MAX_JITTER_MS = 1_000;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

function bad(reason: string): never {
  throw new TransportError(`Bad transport parameters: ${reason}`, { code: 'TRANSPORT_BAD_PARAMS' });
}

export function isTransportName(name: string): name is TransportName {
  return (TRANSPORT_NAMES as readonly string[]).includes(name);
}

function splitParams(params: string): Map<string, string> {
  if (params.length > MAX_TRANSPORT_PARAMS_LENGTH) bad('too long');
  const map = new Map<string, string>();
  if (params === '') return map;
  for (const pair of params.split(';')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) bad('not key=value');
    const key = pair.slice(0, eq);
    if (map.has(key)) bad(`${key} given twice`);
    map.set(key, pair.slice(eq + 1));
  }
  return map;
}

function onlyKeys(map: Map<string, string>, allowed: readonly string[]): void {
  for (const key of map.keys()) if (!allowed.includes(key)) bad(`unknown parameter ${key.slice(0, 32)}`);
}

/** @throws {TransportError} `TRANSPORT_UNKNOWN` or `TRANSPORT_BAD_PARAMS`. */
export function parseTransport(name: string, params: string): TransportSpec {
  if (!isTransportName(name)) {
    throw new TransportError(`Unknown transport ${name.slice(0, 32)}`, { code: 'TRANSPORT_UNKNOWN' });
  }
  const map = splitParams(params);
  if (name === 'plain') {
    onlyKeys(map, []);
    return { name };
  }
  if (name === 'obfs') {
    onlyKeys(map, ['iat', 'psk']);
    const psk = Buffer.from(map.get('psk') ?? '', 'base64url');
    if (psk.length !== OBFS_PSK_LEN || psk.toString('base64url') !== map.get('psk'))
      bad('psk is not base64url of 32 bytes');
    const iat = map.get('iat');
    if (iat === undefined) return { name, psk };
    if (!/^\d{1,4}$/.test(iat) || Number(iat) > MAX_JITTER_MS) bad(`iat is not 0..${MAX_JITTER_MS} ms`);
    return { name, psk, jitterMs: Number(iat) };
  }
  if (name === 'obfs4') {
    onlyKeys(map, ['cert', 'iat']);
    const cert = Buffer.from(map.get('cert') ?? '', 'base64url');
    if (cert.length !== OBFS4_CERT_LEN || cert.toString('base64url') !== map.get('cert'))
      bad(`cert is not base64url of ${OBFS4_CERT_LEN} bytes`);
    const iat = map.get('iat') ?? '0';
    if (!/^[012]$/.test(iat)) bad('iat is not 0, 1 or 2');
    return { name, cert, iatMode: Number(iat) as Obfs4IatMode };
  }
  onlyKeys(map, ['bind', 'path', 'pin', 'sni']);
  const path = map.get('path') ?? '';
  const secret = Buffer.from(path.slice(1), 'base64url');
  if (!path.startsWith('/') || secret.length < WS_SECRET_LEN || secret.toString('base64url') !== path.slice(1)) {
    bad(`path is not / and base64url of at least ${WS_SECRET_LEN} bytes`);
  }
  const sni = map.get('sni');
  if (sni !== undefined && !DNS_NAME.test(sni)) bad('sni is not a DNS name');
  const pin = map.get('pin');
  if (pin !== undefined && !/^[0-9a-f]{64}$/.test(pin)) bad('pin is not 64 lower-case hex digits');
  const bind = map.get('bind');
  // One spelling only (`bind=1`): one spec, one string, one signature.
  if (bind !== undefined && bind !== '1') bad('bind is not 1');
  return {
    name,
    path,
    ...(sni ? { serverName: sni } : {}),
    ...(pin ? { certSha256: pin } : {}),
    ...(bind ? { bind: true as const } : {}),
  };
}

/** The inverse of `parseTransport`: keys sorted, so one spec has one string (and one signature). */
export function formatTransportParams(spec: TransportSpec): string {
  const pairs: [string, string][] = [];
  if (spec.name === 'obfs') {
    if (spec.jitterMs !== undefined) pairs.push(['iat', String(spec.jitterMs)]);
    pairs.push(['psk', spec.psk.toString('base64url')]);
  } else if (spec.name === 'obfs4') {
    pairs.push(['cert', spec.cert.toString('base64url')], ['iat', String(spec.iatMode)]);
  } else if (spec.name === 'wss') {
    if (spec.bind) pairs.push(['bind', '1']);
    pairs.push(['path', spec.path]);
    if (spec.certSha256) pairs.push(['pin', spec.certSha256]);
    if (spec.serverName) pairs.push(['sni', spec.serverName]);
  }
  return pairs.map(([k, v]) => `${k}=${v}`).join(';');
}

/**
 * The client's choice among what an offer lists: the first of `policy` (names in order of
 * preference) that the offer serves, with its endpoint. Offers in order of preference, all of them.
 * @throws {TransportError} `TRANSPORT_NONE_OFFERED`; `TRANSPORT_BAD_PARAMS` for a malformed entry it would use.
 */
export function chooseTransports(
  offered: readonly OfferTransport[],
  policy: readonly TransportName[],
): { spec: TransportSpec; endpoint: string }[] {
  const chosen: { spec: TransportSpec; endpoint: string }[] = [];
  for (const name of policy) {
    const entry = offered.find((t) => t.name === name);
    if (entry) chosen.push({ spec: parseTransport(entry.name, entry.params), endpoint: entry.endpoint });
  }
  if (chosen.length === 0) {
    throw new TransportError('The provider offers none of the allowed transports', {
      code: 'TRANSPORT_NONE_OFFERED',
      meta: { offered: offered.map((t) => t.name), allowed: [...policy] },
    });
  }
  return chosen;
}
