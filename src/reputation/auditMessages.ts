/**
 * Wire format of the audit topic (`/bandex/audit/1`), strict JSON of at most `MAX_AUDIT_MESSAGE_BYTES`:
 *
 *   {"v":1,"type":"report","report":{…AuditReport…},"signature":"0x…"}   an auditor's signed epoch report
 *   {"v":1,"type":"slash","slash":{provider,epoch,kind,evidence},"signature":"0x…"}
 *                                                                        one quorum member's signature
 *                                                                        over the registry's `Report`
 *
 * Decoding checks shapes only; signatures and stake are checked by `AuditGossip`.
 */
import { getAddress, type Hex, isAddress } from 'viem';
import { BaseError } from '../errors/BaseError.ts';
import { exactKeys, isSafeUint, isSignatureHex, parseStrictJson } from '../net/strictJson.ts';
import { type AuditReport, auditReportTypes, checkReportFields, type SignedAuditReport } from './auditReport.ts';
import type { SlashReport } from './slashReport.ts';

/** A report is ~650 bytes of JSON; 2 KiB bounds what a peer can make every node parse. */
export const MAX_AUDIT_MESSAGE_BYTES = 2_048;
const WIRE_VERSION = 1;

export type AuditMessage =
  | { type: 'report'; signed: SignedAuditReport }
  | { type: 'slash'; slash: SlashReport; signature: Hex };

export class AuditMessageError extends BaseError<Record<string, unknown>> {
  override name = 'AuditMessageError';
}

const REPORT_KEYS = auditReportTypes.AuditReport.map((f) => f.name);
const SLASH_KEYS = ['provider', 'epoch', 'kind', 'evidence'] as const;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const NON_NUMERIC = new Set<string>(['auditor', 'provider', 'probePayer', 'probeSession']);
const isAddressString = (value: unknown): value is string => typeof value === 'string' && isAddress(value);

export function encodeAuditMessage(message: AuditMessage): Uint8Array {
  const body =
    message.type === 'report'
      ? { v: WIRE_VERSION, type: 'report', report: message.signed.report, signature: message.signed.signature }
      : { v: WIRE_VERSION, type: 'slash', slash: message.slash, signature: message.signature };
  return new TextEncoder().encode(JSON.stringify(body));
}

export function decodeAuditMessage(bytes: Uint8Array): AuditMessage {
  const bad = (details: string): never => {
    throw new AuditMessageError('malformed audit message', { code: 'AUDIT_MESSAGE_MALFORMED', details });
  };
  if (bytes.length > MAX_AUDIT_MESSAGE_BYTES) bad(`larger than ${MAX_AUDIT_MESSAGE_BYTES} bytes`);
  let value: Record<string, unknown>;
  try {
    value = parseStrictJson(bytes) as Record<string, unknown>;
  } catch {
    return bad('not UTF-8 JSON');
  }
  const type = (value as { type?: unknown })?.type;
  const payloadKey = type === 'report' ? 'report' : type === 'slash' ? 'slash' : bad('unknown type');
  const outer = exactKeys(value, ['v', 'type', payloadKey, 'signature'], 'message');
  if (outer) bad(outer);
  if (value.v !== WIRE_VERSION) bad('unsupported version');
  if (!isSignatureHex(value.signature)) bad('signature is not 65 bytes of hex');
  const signature = value.signature as Hex;
  const inner = value[payloadKey] as Record<string, unknown>;
  if (type === 'report') {
    const keys = exactKeys(inner, REPORT_KEYS, 'report');
    if (keys) bad(keys);
    if (!isAddressString(inner.auditor) || !isAddressString(inner.provider) || !isAddressString(inner.probePayer))
      bad('address malformed');
    if (typeof inner.probeSession !== 'string' || !HEX32.test(inner.probeSession)) bad('probeSession malformed');
    for (const key of REPORT_KEYS.filter((k) => !NON_NUMERIC.has(k)))
      if (!isSafeUint(inner[key])) bad(`${key} is not an unsigned integer`);
    const report = {
      ...inner,
      auditor: getAddress(inner.auditor as string),
      provider: getAddress(inner.provider as string),
      probePayer: getAddress(inner.probePayer as string),
    } as AuditReport;
    try {
      checkReportFields(report);
    } catch (error) {
      return bad((error as AuditMessageError).details ?? 'bad report');
    }
    return { type: 'report', signed: { report, signature } };
  }
  const keys = exactKeys(inner, SLASH_KEYS, 'slash');
  if (keys) bad(keys);
  if (!isAddressString(inner.provider)) bad('provider malformed');
  if (!isSafeUint(inner.epoch)) bad('epoch is not an unsigned integer');
  if (inner.kind !== 1 && inner.kind !== 2 && inner.kind !== 3) bad('kind is not 1, 2 or 3');
  if (typeof inner.evidence !== 'string' || !HEX32.test(inner.evidence)) bad('evidence is not 32 bytes of hex');
  return {
    type: 'slash',
    slash: {
      provider: getAddress(inner.provider as string),
      epoch: inner.epoch as number,
      kind: inner.kind as SlashReport['kind'],
      evidence: inner.evidence as Hex,
    },
    signature,
  };
}
