/**
 * An auditor's archive of signed audit reports (SQLite, table `audit_reports`): the ones it signs and
 * every one it hears on the audit topic, each with its signature, kept past the reputation book's few
 * epochs so anyone can re-check a slash after the fact (its evidence is the digest of the quorum's
 * reports). Write-once: a report saved again changes nothing.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Address, Hex } from 'viem';

/** A report as signed: the EIP-712 `AuditReport` fields (see `reputation/auditReport.ts`). */
export type ArchivedReportFields = { auditor: Address; provider: Address; epoch: number } & Record<
  string,
  string | number
>;

export type ArchivedReport = {
  report: ArchivedReportFields;
  signature: Hex;
  /** Signed by this auditor (else heard on the audit topic). */
  own: boolean;
  /** Unix milliseconds of the first save. */
  receivedAt: number;
};

export type ListReportsParameters = { provider?: Address; auditor?: Address; epoch?: number; limit?: number };

/** Most rows one `list` returns. */
export const MAX_REPORTS = 1_000;

type Row = { report: string; signature: string; own: number; received_at: number };

export class AuditReportStore {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Archives a signed report; returns false when it was archived already. */
  save(report: ArchivedReportFields, signature: Hex, own: boolean): boolean {
    const result = this.#prepare(
      `INSERT INTO audit_reports (auditor, provider, epoch, report, signature, own, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run(
      report.auditor.toLowerCase(),
      report.provider.toLowerCase(),
      report.epoch,
      JSON.stringify(report),
      signature.toLowerCase(),
      own ? 1 : 0,
      this.#now(),
    );
    return Number(result.changes) > 0;
  }

  /** Reports matching every filter given, newest epoch first. */
  list(filter: ListReportsParameters = {}): ArchivedReport[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (filter.provider) {
      where.push('provider = ?');
      args.push(filter.provider.toLowerCase());
    }
    if (filter.auditor) {
      where.push('auditor = ?');
      args.push(filter.auditor.toLowerCase());
    }
    if (filter.epoch !== undefined) {
      where.push('epoch = ?');
      args.push(filter.epoch);
    }
    const limit = Math.max(1, Math.min(MAX_REPORTS, filter.limit ?? MAX_REPORTS));
    const sql = `SELECT report, signature, own, received_at FROM audit_reports
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY epoch DESC, auditor LIMIT ${limit}`;
    return (this.#prepare(sql).all(...args) as Row[]).map((row) => ({
      report: JSON.parse(row.report) as ArchivedReportFields,
      signature: row.signature as Hex,
      own: row.own === 1,
      receivedAt: row.received_at,
    }));
  }
}
