/**
 * A TLS ClientHello as a censor reads it (pure): the fields its fingerprints are made of, and the
 * fingerprints — JA3 (Salesforce, 2017: MD5 of the lists in the order sent) and JA4 (FoxIO, 2023: the
 * counts, the first ALPN, and truncated SHA-256 of the sorted cipher and extension lists and the
 * signature algorithms). GREASE values (RFC 8701) are left out of both, as their specs say.
 */
import { createHash } from 'node:crypto';
import { TransportError } from './errors.ts';

export type ClientHello = {
  /** `legacy_version` of the hello (0x0303 for TLS 1.2 and 1.3). */
  legacyVersion: number;
  /** Cipher suites in the order offered. */
  ciphers: number[];
  /** Extension types in the order sent. */
  extensions: number[];
  /** supported_groups (10), in order. */
  groups: number[];
  /** ec_point_formats (11), in order. */
  pointFormats: number[];
  /** signature_algorithms (13), in order. */
  sigalgs: number[];
  /** supported_versions (43), in order. */
  versions: number[];
  /** key_share (51): the groups a share is sent for, in order. */
  keyShares: number[];
  /** ALPN (16) protocol names, in order. */
  alpn: string[];
  /** The server name (SNI, 0), if sent. */
  serverName?: string;
};

const EXT = { serverName: 0, groups: 10, pointFormats: 11, sigalgs: 13, alpn: 16, versions: 43, keyShare: 51 } as const;

/** RFC 8701: 0x0a0a, 0x1a1a, …, 0xfafa. */
export const isGrease = (value: number): boolean => (value & 0x0f0f) === 0x0a0a && value >> 8 === (value & 0xff);

function malformed(reason: string): TransportError {
  return new TransportError(`Malformed ClientHello: ${reason}`, { code: 'TRANSPORT_FRAMING' });
}

/** A bounds-checked reader over a buffer. */
function reader(bytes: Buffer, start = 0, end = bytes.length) {
  let at = start;
  const need = (n: number) => {
    if (at + n > end) throw malformed('truncated');
  };
  return {
    get left() {
      return end - at;
    },
    u8: () => {
      need(1);
      return bytes[at++] as number;
    },
    u16: () => {
      need(2);
      const v = bytes.readUInt16BE(at);
      at += 2;
      return v;
    },
    u24: () => {
      need(3);
      const v = bytes.readUIntBE(at, 3);
      at += 3;
      return v;
    },
    skip: (n: number) => {
      need(n);
      at += n;
    },
    /** A sub-reader over the next `n` bytes. */
    sub: (n: number) => {
      need(n);
      const r = reader(bytes, at, at + n);
      at += n;
      return r;
    },
    take: (n: number) => {
      need(n);
      const v = bytes.subarray(at, at + n);
      at += n;
      return v;
    },
  };
}
type Reader = ReturnType<typeof reader>;

const u16List = (r: Reader) => {
  const out: number[] = [];
  while (r.left > 0) out.push(r.u16());
  return out;
};

/**
 * Parses the first TLS record of a connection (the client's first bytes: a handshake record holding
 * the whole ClientHello). @throws {TransportError} `TRANSPORT_FRAMING` when it is not one.
 */
export function parseClientHello(record: Buffer): ClientHello {
  const outer = reader(record);
  if (outer.u8() !== 0x16) throw malformed('not a handshake record');
  outer.u16();
  const body = outer.sub(outer.u16());
  if (body.u8() !== 0x01) throw malformed('not a ClientHello');
  const hello = body.sub(body.u24());
  const legacyVersion = hello.u16();
  hello.skip(32);
  hello.skip(hello.u8());
  const ciphers = u16List(hello.sub(hello.u16()));
  hello.skip(hello.u8());
  const result: ClientHello = {
    legacyVersion,
    ciphers,
    extensions: [],
    groups: [],
    pointFormats: [],
    sigalgs: [],
    versions: [],
    keyShares: [],
    alpn: [],
  };
  if (hello.left === 0) return result;
  const extensions = hello.sub(hello.u16());
  while (extensions.left > 0) {
    const type = extensions.u16();
    const data = extensions.sub(extensions.u16());
    result.extensions.push(type);
    if (type === EXT.groups) result.groups = u16List(data.sub(data.u16()));
    else if (type === EXT.sigalgs) result.sigalgs = u16List(data.sub(data.u16()));
    else if (type === EXT.versions) result.versions = u16List(data.sub(data.u8()));
    else if (type === EXT.keyShare) {
      const list = data.sub(data.u16());
      while (list.left > 0) {
        result.keyShares.push(list.u16());
        list.skip(list.u16());
      }
    } else if (type === EXT.pointFormats) {
      const list = data.sub(data.u8());
      while (list.left > 0) result.pointFormats.push(list.u8());
    } else if (type === EXT.alpn) {
      const list = data.sub(data.u16());
      while (list.left > 0) result.alpn.push(list.take(list.u8()).toString('latin1'));
    } else if (type === EXT.serverName) {
      const list = data.sub(data.u16());
      while (list.left > 0) {
        const kind = list.u8();
        const name = list.take(list.u16()).toString('latin1');
        if (kind === 0) result.serverName = name;
      }
    }
  }
  return result;
}

const hex4 = (v: number) => v.toString(16).padStart(4, '0');
const sha12 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
const VERSION_NAMES: Record<number, string> = {
  772: '13',
  771: '12',
  770: '11',
  769: '10',
  768: 's3',
  2: 's2',
};
const isAlphanumeric = (c: string) => /^[0-9A-Za-z]$/.test(c);

/** JA4's first ALPN field: the first and last characters of the first protocol (their hex when not alphanumeric). */
function alpnCode(alpn: readonly string[]): string {
  const first = alpn[0];
  if (!first) return '00';
  const a = first[0] as string;
  const z = first[first.length - 1] as string;
  if (isAlphanumeric(a) && isAlphanumeric(z)) return a + z;
  const hex = Buffer.from(first, 'latin1').toString('hex');
  return (hex[0] as string) + (hex[hex.length - 1] as string);
}

/** The JA4 fingerprint (TCP): `t<version><d|i><ciphers><extensions><alpn>_<ciphers hash>_<extensions hash>`. */
export function ja4(hello: ClientHello): string {
  const ciphers = hello.ciphers.filter((c) => !isGrease(c));
  const extensions = hello.extensions.filter((e) => !isGrease(e));
  const versions = hello.versions.filter((v) => !isGrease(v));
  const version = VERSION_NAMES[versions.length > 0 ? Math.max(...versions) : hello.legacyVersion] ?? '00';
  const count = (n: number) => String(Math.min(n, 99)).padStart(2, '0');
  const a = `t${version}${hello.serverName !== undefined ? 'd' : 'i'}${count(ciphers.length)}${count(extensions.length)}${alpnCode(hello.alpn)}`;
  const b =
    ciphers.length === 0
      ? '000000000000'
      : sha12(
          [...ciphers]
            .sort((x, y) => x - y)
            .map(hex4)
            .join(','),
        );
  const sorted = extensions
    .filter((e) => e !== EXT.serverName && e !== EXT.alpn)
    .sort((x, y) => x - y)
    .map(hex4)
    .join(',');
  const sigalgs = hello.sigalgs.filter((s) => !isGrease(s)).map(hex4);
  const c =
    extensions.length === 0 ? '000000000000' : sha12(sigalgs.length > 0 ? `${sorted}_${sigalgs.join(',')}` : sorted);
  return `${a}_${b}_${c}`;
}

/** The JA3 fingerprint: MD5 of `version,ciphers,extensions,groups,point formats` (decimal, `-`-joined, in order). */
export function ja3(hello: ClientHello): { text: string; hash: string } {
  const list = (values: readonly number[]) => values.filter((v) => !isGrease(v)).join('-');
  const text = [
    hello.legacyVersion,
    list(hello.ciphers),
    list(hello.extensions),
    list(hello.groups),
    hello.pointFormats.join('-'),
  ].join(',');
  return { text, hash: createHash('md5').update(text).digest('hex') };
}
