/**
 * The audit topic's wire format: encode → decode round trips of signed reports and slash
 * signatures (real EIP-712 signatures from the dev accounts, still valid after the trip), and
 * every malformed input rejected as `AuditMessageError` / `AUDIT_MESSAGE_MALFORMED`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Address, bytesToHex, getAddress, type Hex } from 'viem';
import { DEV_ACCOUNT_INDEX, devAccount } from '../chain/devAccounts.ts';
import {
  type AuditMessage,
  AuditMessageError,
  decodeAuditMessage,
  encodeAuditMessage,
  MAX_AUDIT_MESSAGE_BYTES,
} from './auditMessages.ts';
import { type AuditReport, evidenceOf, signAuditReport, verifyAuditReport } from './auditReport.ts';
import { recoverSlashSigner, type SlashReport, signSlashReport } from './slashReport.ts';

const auditor = devAccount(DEV_ACCOUNT_INDEX.auditor);
const provider = devAccount(DEV_ACCOUNT_INDEX.provider).address;
const domain = { chainId: 31337, registry: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address };

function report(over: Partial<AuditReport> = {}): AuditReport {
  return {
    auditor: auditor.address,
    provider,
    epoch: 7,
    probesSent: 20,
    probesDelivered: 18,
    rttMicros: 21_500,
    throughputBps: 9_500_000,
    claimedBps: 10_000_000,
    sessionsAttempted: 3,
    sessionsServed: 2,
    probePayer: '0x000000000000000000000000000000000000bEEF',
    probeSession: `0x${'5e'.repeat(32)}`,
    bytesReceived: 4_096,
    ...over,
  };
}

const signed = await signAuditReport(auditor, domain, report());
const slash: SlashReport = { provider, epoch: 7, kind: 1, evidence: evidenceOf(domain, [report()]) };
const slashSignature = await signSlashReport(auditor, domain, slash);

/** The wire JSON of a valid report message, as a plain object to mutate. */
function reportWire(): Record<string, unknown> & { report: Record<string, unknown> } {
  return JSON.parse(new TextDecoder().decode(encodeAuditMessage({ type: 'report', signed })));
}

function slashWire(): Record<string, unknown> & { slash: Record<string, unknown> } {
  return JSON.parse(new TextDecoder().decode(encodeAuditMessage({ type: 'slash', slash, signature: slashSignature })));
}

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** Asserts that decoding `input` fails with the module's error (details matching `details`, if given). */
function rejects(input: Uint8Array | Record<string, unknown>, details?: RegExp, what = ''): void {
  const data = input instanceof Uint8Array ? input : bytes(input);
  assert.throws(
    () => decodeAuditMessage(data),
    (error) => {
      assert.ok(error instanceof AuditMessageError, `${what}: threw ${(error as Error)?.name}: ${error}`);
      assert.equal(error.code, 'AUDIT_MESSAGE_MALFORMED', what);
      if (details) assert.match(error.details ?? '', details, what);
      return true;
    },
    what,
  );
}

describe('audit messages: round trips', () => {
  it('a signed report survives encode → decode, signature still valid', async () => {
    const message: AuditMessage = { type: 'report', signed };
    const encoded = encodeAuditMessage(message);
    assert.ok(encoded.length <= MAX_AUDIT_MESSAGE_BYTES);
    const decoded = decodeAuditMessage(encoded);
    assert.deepEqual(decoded, message);
    assert.equal(decoded.type, 'report');
    if (decoded.type === 'report') await verifyAuditReport(domain, decoded.signed);
  });

  it('a slash signature survives encode → decode and still recovers its signer', async () => {
    const message: AuditMessage = { type: 'slash', slash, signature: slashSignature };
    const decoded = decodeAuditMessage(encodeAuditMessage(message));
    assert.deepEqual(decoded, message);
    assert.equal(decoded.type, 'slash');
    if (decoded.type !== 'slash') return;
    const signer = await recoverSlashSigner(domain, decoded.slash, decoded.signature);
    assert.equal(signer, auditor.address);
  });

  it('the wire form is the documented JSON, version 1', () => {
    assert.deepEqual(Object.keys(reportWire()), ['v', 'type', 'report', 'signature']);
    assert.equal(reportWire().v, 1);
    assert.equal(reportWire().type, 'report');
    assert.deepEqual(Object.keys(slashWire()), ['v', 'type', 'slash', 'signature']);
    assert.deepEqual(Object.keys(slashWire().slash), ['provider', 'epoch', 'kind', 'evidence']);
  });

  it('addresses in lower case decode to their checksummed form (and the signature still verifies)', async () => {
    const wire = reportWire();
    wire.report.auditor = (wire.report.auditor as string).toLowerCase();
    wire.report.provider = (wire.report.provider as string).toLowerCase();
    const decoded = decodeAuditMessage(bytes(wire));
    assert.equal(decoded.type, 'report');
    if (decoded.type !== 'report') return;
    assert.equal(decoded.signed.report.auditor, getAddress(auditor.address));
    assert.equal(decoded.signed.report.provider, getAddress(provider));
    await verifyAuditReport(domain, decoded.signed);
    const slashed = slashWire();
    slashed.slash.provider = provider.toLowerCase();
    const decodedSlash = decodeAuditMessage(bytes(slashed));
    assert.equal(decodedSlash.type === 'slash' && decodedSlash.slash.provider, getAddress(provider));
  });

  it('field extremes round-trip: zeros, uint32 max, the largest safe integer', async () => {
    for (const over of [
      {
        epoch: 0,
        probesSent: 0,
        probesDelivered: 0,
        rttMicros: 0,
        throughputBps: 0,
        claimedBps: 0,
        sessionsAttempted: 0,
        sessionsServed: 0,
        probePayer: '0x0000000000000000000000000000000000000000' as Address,
        probeSession: `0x${'00'.repeat(32)}` as Hex,
        bytesReceived: 0,
      },
      {
        epoch: Number.MAX_SAFE_INTEGER,
        probesSent: 0xffff_ffff,
        probesDelivered: 0xffff_ffff,
        rttMicros: 0xffff_ffff,
        throughputBps: Number.MAX_SAFE_INTEGER,
        claimedBps: Number.MAX_SAFE_INTEGER,
        sessionsAttempted: 0xffff_ffff,
        sessionsServed: 0xffff_ffff,
        probePayer: '0xFFfFfFffFFfffFFfFFfFFFFFffFFFffffFfFFFfF' as Address,
        probeSession: `0x${'ff'.repeat(32)}` as Hex,
        bytesReceived: Number.MAX_SAFE_INTEGER,
      },
    ]) {
      const message: AuditMessage = { type: 'report', signed: await signAuditReport(auditor, domain, report(over)) };
      const encoded = encodeAuditMessage(message);
      assert.ok(encoded.length <= MAX_AUDIT_MESSAGE_BYTES, `${encoded.length} bytes`);
      assert.deepEqual(decodeAuditMessage(encoded), message);
    }
    for (const over of [
      { epoch: 0, kind: 2 as const },
      { epoch: Number.MAX_SAFE_INTEGER, kind: 1 as const },
    ]) {
      const message: AuditMessage = { type: 'slash', slash: { ...slash, ...over }, signature: slashSignature };
      assert.deepEqual(decodeAuditMessage(encodeAuditMessage(message)), message);
    }
  });

  it('any valid report round-trips (property)', () => {
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    const u53 = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    const reports = fc
      .record({
        epoch: u53,
        probesSent: u32,
        probesDelivered: u32,
        rttMicros: u32,
        throughputBps: u53,
        claimedBps: u53,
        sessionsAttempted: u32,
        sessionsServed: u32,
        bytesReceived: u53,
        probeSession: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b)),
      })
      .map((r) => ({
        ...r,
        probesDelivered: Math.min(r.probesDelivered, r.probesSent),
        sessionsServed: Math.min(r.sessionsServed, r.sessionsAttempted),
      }));
    fc.assert(
      fc.property(reports, (fields) => {
        // Decoding checks shapes only: the signature need not match these fields.
        const message: AuditMessage = {
          type: 'report',
          signed: { report: report(fields), signature: signed.signature },
        };
        assert.deepEqual(decodeAuditMessage(encodeAuditMessage(message)), message);
      }),
    );
  });

  it('whitespace is JSON: a message padded to exactly the limit decodes, one byte more does not', () => {
    const compact = encodeAuditMessage({ type: 'report', signed });
    const text = new TextDecoder().decode(compact);
    const at = (size: number) => new TextEncoder().encode(`${text}${' '.repeat(size - compact.length)}`);
    assert.equal(at(MAX_AUDIT_MESSAGE_BYTES).length, MAX_AUDIT_MESSAGE_BYTES);
    assert.deepEqual(decodeAuditMessage(at(MAX_AUDIT_MESSAGE_BYTES)), { type: 'report', signed });
    rejects(at(MAX_AUDIT_MESSAGE_BYTES + 1), /larger than 2048 bytes/, 'one byte over');
  });
});

describe('audit messages: rejected input', () => {
  it('oversize input, even when it is otherwise valid JSON', () => {
    rejects(new Uint8Array(MAX_AUDIT_MESSAGE_BYTES + 1), /larger than/, 'zeros');
    rejects(bytes({ ...reportWire(), pad: 'x'.repeat(3_000) }), /larger than/, 'padded object');
    rejects(new Uint8Array(1 << 20).fill(0x20), /larger than/, '1 MiB of spaces');
  });

  it('bytes that are not UTF-8 JSON', () => {
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d)],
      ['a lone surrogate half in UTF-8', Uint8Array.of(0x22, 0xed, 0xa0, 0x80, 0x22)],
      ['truncated JSON', new TextEncoder().encode('{"v":1,"type":"report"')],
      ['trailing garbage', new TextEncoder().encode(`${JSON.stringify(reportWire())}x`)],
      ['single quotes', new TextEncoder().encode("{'v':1}")],
      ['a bare word', new TextEncoder().encode('report')],
    ];
    for (const [what, data] of cases) rejects(data, /not UTF-8 JSON/, what);
  });

  it('JSON that is not an audit message object', () => {
    for (const value of [null, [], [reportWire()], 1, 'report', true])
      rejects(bytes(value), /unknown type/, String(value));
  });

  it('an unknown or missing type', () => {
    for (const type of ['Report', 'SLASH', 'vote', '', 'constructor', '__proto__', 1, null, ['report']]) {
      rejects({ ...reportWire(), type }, /unknown type/, `type ${JSON.stringify(type)}`);
    }
    const { type: _, ...untyped } = reportWire();
    rejects(untyped, /unknown type/, 'no type');
  });

  it('an unsupported version', () => {
    for (const v of [0, 2, '1', 1.5, null, true]) rejects({ ...reportWire(), v }, /unsupported version/, `v ${v}`);
    const { v: _, ...unversioned } = reportWire();
    rejects(unversioned, /lacks field v/, 'no v');
  });

  it('missing or extra fields on the envelope', () => {
    const { signature: _s, ...unsigned } = reportWire();
    rejects(unsigned, /lacks field signature/, 'no signature');
    const { report: _r, ...empty } = reportWire();
    rejects(empty, /lacks field report/, 'no report');
    rejects({ ...reportWire(), extra: 1 }, /unknown field extra/, 'extra field');
    rejects({ ...reportWire(), slash: slashWire().slash }, /unknown field slash/, 'report message with a slash');
    const { slash: s, ...slashEnvelope } = slashWire();
    rejects(
      { ...slashEnvelope, type: 'report', slash: s },
      /unknown field slash|lacks field report/,
      'type/payload mismatch',
    );
    rejects(
      new TextEncoder().encode(`{"__proto__":{},${JSON.stringify(reportWire()).slice(1)}`),
      /unknown field __proto__/,
    );
  });

  it('signatures that are not 65 bytes of 0x-hex', () => {
    const sig = signed.signature;
    for (const [what, signature] of [
      ['64 bytes', sig.slice(0, -2)],
      ['66 bytes', `${sig}00`],
      ['an odd nibble more', `${sig}0`],
      ['no 0x', sig.slice(2)],
      ['0X prefix', `0X${sig.slice(2)}`],
      ['a non-hex digit', `${sig.slice(0, -1)}g`],
      ['empty', ''],
      ['a number', 1234],
      ['null', null],
      ['an array', [sig]],
    ] as const) {
      rejects({ ...reportWire(), signature }, /signature is not 65 bytes/, `report, ${what}`);
      rejects({ ...slashWire(), signature }, /signature is not 65 bytes/, `slash, ${what}`);
    }
  });
});

describe('audit messages: rejected reports', () => {
  const withReport = (report: unknown) => ({ ...reportWire(), report });
  const fields = Object.keys(reportWire().report);

  it('a report that is not an object', () => {
    for (const value of [null, [], 'report', 7]) rejects(withReport(value), /report is not an object/, String(value));
  });

  it('each missing field, and any extra field', () => {
    assert.equal(fields.length, 13);
    for (const key of fields) {
      const inner = { ...reportWire().report };
      delete inner[key];
      rejects(withReport(inner), new RegExp(`lacks field ${key}`), `without ${key}`);
    }
    rejects(withReport({ ...reportWire().report, signature: signed.signature }), /unknown field signature/);
    rejects(withReport({ ...reportWire().report, Epoch: 1 }), /unknown field Epoch/);
  });

  it('malformed auditor or provider addresses', () => {
    const address = reportWire().report.auditor as string;
    // The checksummed address with the case of its last letter flipped: a wrong EIP-55 checksum.
    const letter = address.search(/[a-fA-F](?=[0-9]*$)/);
    const flipped = address[letter] as string;
    const badChecksum = `${address.slice(0, letter)}${flipped === flipped.toUpperCase() ? flipped.toLowerCase() : flipped.toUpperCase()}${address.slice(letter + 1)}`;
    assert.notEqual(badChecksum, address);
    assert.equal(badChecksum.toLowerCase(), address.toLowerCase());
    for (const key of ['auditor', 'provider']) {
      for (const [what, value] of [
        ['19 bytes', address.slice(0, -2)],
        ['21 bytes', `${address}00`],
        ['no 0x', address.slice(2)],
        ['a non-hex digit', `0x${'g'.repeat(40)}`],
        ['a wrong EIP-55 checksum', badChecksum],
        ['a number', 1],
        ['null', null],
        ['empty', ''],
      ] as const) {
        rejects(withReport({ ...reportWire().report, [key]: value }), /address malformed/, `${key}: ${what}`);
      }
    }
  });

  it('numbers that are not unsigned safe integers', () => {
    for (const key of fields.filter((f) => !['auditor', 'provider', 'probePayer', 'probeSession'].includes(f))) {
      for (const value of [-1, 1.5, -0.5, '1', null, true, [1], { n: 1 }, 2 ** 53, 1e300]) {
        rejects(
          withReport({ ...reportWire().report, [key]: value }),
          new RegExp(`${key} is not an unsigned integer`),
          `${key} = ${JSON.stringify(value)}`,
        );
      }
    }
  });

  it('uint32 fields above 2^32 - 1', () => {
    for (const key of ['probesSent', 'probesDelivered', 'rttMicros', 'sessionsAttempted', 'sessionsServed']) {
      const inner = { ...reportWire().report, probesSent: 0xffff_ffff, sessionsAttempted: 0xffff_ffff, [key]: 2 ** 32 };
      rejects(withReport(inner), new RegExp(`${key} is not a uint32`), key);
    }
  });

  it('inconsistent counts: more delivered than sent, more served than attempted', () => {
    rejects(withReport({ ...reportWire().report, probesDelivered: 21 }), /more probes delivered than sent/);
    rejects(withReport({ ...reportWire().report, sessionsServed: 4 }), /more sessions served than attempted/);
  });
});

describe('audit messages: rejected slash signatures', () => {
  const withSlash = (inner: unknown) => ({ ...slashWire(), slash: inner });

  it('a slash that is not an object', () => {
    for (const value of [null, [], 'slash', 1]) rejects(withSlash(value), /slash is not an object/, String(value));
  });

  it('each missing field, and any extra field', () => {
    for (const key of ['provider', 'epoch', 'kind', 'evidence']) {
      const inner = { ...slashWire().slash };
      delete inner[key];
      rejects(withSlash(inner), new RegExp(`lacks field ${key}`), `without ${key}`);
    }
    rejects(withSlash({ ...slashWire().slash, auditor: auditor.address }), /unknown field auditor/);
  });

  it('a malformed provider', () => {
    for (const value of [provider.slice(0, -1), provider.slice(2), `0x${'z'.repeat(40)}`, 5, null, '']) {
      rejects(withSlash({ ...slashWire().slash, provider: value }), /provider malformed/, String(value));
    }
  });

  it('an epoch that is not an unsigned safe integer', () => {
    for (const epoch of [-1, 0.5, '7', null, 2 ** 53, true]) {
      rejects(withSlash({ ...slashWire().slash, epoch }), /epoch is not an unsigned integer/, String(epoch));
    }
  });

  it('a kind other than 1, 2 or 3', () => {
    for (const kind of [0, 4, -1, 1.5, '1', null, true]) {
      rejects(withSlash({ ...slashWire().slash, kind }), /kind is not 1, 2 or 3/, String(kind));
    }
  });

  it('evidence that is not 32 bytes of 0x-hex', () => {
    const evidence = slash.evidence;
    for (const [what, value] of [
      ['31 bytes', evidence.slice(0, -2)],
      ['33 bytes', `${evidence}00`],
      ['no 0x', evidence.slice(2)],
      ['a non-hex digit', `${evidence.slice(0, -1)}x`],
      ['a number', 1],
      ['null', null],
      ['an array', [evidence]],
    ] as const) {
      rejects(withSlash({ ...slashWire().slash, evidence: value }), /evidence is not 32 bytes/, what);
    }
    // Upper-case hex digits are still hex.
    const upper = `0x${evidence.slice(2).toUpperCase()}` as Hex;
    const decoded = decodeAuditMessage(bytes(withSlash({ ...slashWire().slash, evidence: upper })));
    assert.equal(decoded.type === 'slash' && decoded.slash.evidence, upper);
  });
});

describe('audit messages: known gaps', () => {
  // `decodeAuditMessage` hands JSON values to viem's `isAddress` unchecked; for a JSON array or an
  // object with a `toString` member it throws a TypeError instead of an `AuditMessageError`.
  it('an address that is a JSON array or object is malformed, not a TypeError', () => {
    const lower = provider.toLowerCase();
    rejects({ ...reportWire(), report: { ...reportWire().report, provider: [lower] } }, /address malformed/, 'report');
    rejects({ ...slashWire(), slash: { ...slashWire().slash, provider: [lower] } }, /provider malformed/, 'slash');
    rejects({ ...slashWire(), slash: { ...slashWire().slash, provider: { toString: 1 } } }, /provider malformed/);
  });

  // HEX32 in auditMessages.ts is case-insensitive as a whole, so an upper-case `0X` prefix passes;
  // viem then refuses the value ("Expected bytes32, got bytes66") when the signature is checked.
  it('evidence with an upper-case 0X prefix is malformed', () => {
    rejects(
      { ...slashWire(), slash: { ...slashWire().slash, evidence: `0X${slash.evidence.slice(2)}` } },
      /evidence is not 32 bytes/,
    );
  });
});
