/**
 * The auditor's archive: every signed audit report it signs or hears on the audit topic (both reach its
 * reputation book, whose `report` event this part follows) goes to SQLite (`AuditReportStore`), and its
 * probe sessions' receipts are in the same database (`ReceiptStore`, written by the path builder). The
 * archive is served read-only on the auditor's API, with the EIP-712 domain to check every signature
 * against, so anyone can re-check a slash after the fact:
 *
 * | route | query | answer |
 * |---|---|---|
 * | `GET /audit/reports` | `provider`, `auditor` (addresses), `epoch`, `limit` | `{ domain, reports: [{ report, signature, own, receivedAt }] }` |
 * | `GET /audit/receipts` | `session`, `channel` (bytes32), `payer`, `provider`, `from`, `to` (unix s), `limit` | `{ domain, receipts: [{ receipt, session, seq, payer, provider, providerSignature, clientSignature, savedAt }] }` |
 *
 * A malformed query parameter is a 400 (`API_BAD_QUERY`) naming it.
 */
import { type Address, type Hex, isAddress, isHex } from 'viem';
import { ApiError, type ApiRoutes } from '../api/startApiServer.ts';
import type { Logger } from '../log/logger.ts';
import type { AuditDomain, SignedAuditReport } from '../reputation/auditReport.ts';
import type { ReputationBook } from '../reputation/ReputationBook.ts';
import type { AuditReportStore } from '../store/AuditReportStore.ts';
import type { ReceiptStore } from '../store/ReceiptStore.ts';

export type AuditArchiveParameters = {
  book: ReputationBook;
  reports: AuditReportStore;
  receipts: ReceiptStore;
  /** This auditor: its own reports are marked `own`. */
  auditor: Address;
  domain: AuditDomain;
  logger: Logger;
};

function badQuery(name: string, expected: string): never {
  throw new ApiError(400, 'API_BAD_QUERY', `query parameter ${name} must be ${expected}`);
}

function addressParam(url: URL, name: string): Address | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  return isAddress(value, { strict: false }) ? value : badQuery(name, 'an address (0x + 40 hex digits)');
}

function bytes32Param(url: URL, name: string): Hex | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  return isHex(value) && value.length === 66 ? value : badQuery(name, '32 bytes of hex (0x + 64 hex digits)');
}

function integerParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : badQuery(name, 'a non-negative integer');
}

export class AuditArchive {
  readonly #p: AuditArchiveParameters;

  constructor(params: AuditArchiveParameters) {
    this.#p = params;
  }

  start(): void {
    this.#p.book.on('report', this.#onReport);
  }

  stop(): void {
    this.#p.book.off('report', this.#onReport);
  }

  #onReport = (signed: SignedAuditReport): void => {
    const { report, signature } = signed;
    try {
      this.#p.reports.save(report, signature, report.auditor.toLowerCase() === this.#p.auditor.toLowerCase());
    } catch (error) {
      this.#p.logger.error({ err: error, provider: report.provider, epoch: report.epoch }, 'archiving a report failed');
    }
  };

  /** The read-only routes of the archive, for the auditor's API. */
  routes(): ApiRoutes {
    const { reports, receipts, domain } = this.#p;
    return {
      '/audit/reports': ({ url }) => ({
        domain,
        reports: reports.list({
          provider: addressParam(url, 'provider'),
          auditor: addressParam(url, 'auditor'),
          epoch: integerParam(url, 'epoch'),
          limit: integerParam(url, 'limit'),
        }),
      }),
      '/audit/receipts': ({ url }) => {
        const from = integerParam(url, 'from');
        const to = integerParam(url, 'to');
        return {
          domain,
          receipts: receipts.list({
            session: bytes32Param(url, 'session'),
            channelId: bytes32Param(url, 'channel'),
            payer: addressParam(url, 'payer'),
            provider: addressParam(url, 'provider'),
            from: from === undefined ? undefined : BigInt(from),
            to: to === undefined ? undefined : BigInt(to),
            limit: integerParam(url, 'limit'),
          }),
        };
      },
    };
  }
}
