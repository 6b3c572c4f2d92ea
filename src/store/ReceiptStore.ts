/**
 * Durable session receipts (SQLite, table `session_receipts`): every checkpoint receipt a daemon signed
 * or received, with the signatures it holds. A row is one checkpoint id and one content; the same receipt
 * saved again only adds the signatures it lacked, so nothing held is ever lost. A provider asks
 * `conflicting` before it signs (it never signs two contents for one checkpoint, even across crashes); a
 * client keeps both contents a provider signed for one checkpoint — the evidence `slashEquivocation` takes.
 *
 * For slash disputes, `latestFullySigned(sessionId)` is the newest checkpoint of a session countersigned
 * by the payer, with both signatures.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { Address, Hex } from 'viem';
import { type Receipt, receiptStructHash } from '../accounting/receipt.ts';
import { BaseError } from '../errors/BaseError.ts';

export type StoredReceipt = {
  /** The EIP-712 receipt; its `sessionId` field is the checkpoint id (`checkpointIdOf(session, seq)`). */
  receipt: Receipt;
  /** The session (`sessionIdOf(channelId, sessionNonce)`) and the checkpoint's number in it. */
  session: Hex;
  seq: number;
  payer: Address;
  provider: Address;
  providerSignature?: Hex;
  clientSignature?: Hex;
  /** Unix milliseconds of the first save. */
  savedAt: number;
};

/** A receipt with both signatures: what a provider shows against a claim that it did not serve. */
export type FullySignedReceipt = StoredReceipt & { providerSignature: Hex; clientSignature: Hex };

export type ListReceiptsParameters = {
  session?: Hex;
  channelId?: Hex;
  payer?: Address;
  provider?: Address;
  /** Receipts whose `endTime` (unix seconds) is in [from, to]. */
  from?: bigint;
  to?: bigint;
  /** Most rows, newest first (default and maximum `MAX_LIST`). */
  limit?: number;
};

/** Most rows one `list` returns: an API page stays small. */
export const MAX_LIST = 1_000;

export class ReceiptConflictError extends BaseError<{ receiptId: string }> {
  override name = 'ReceiptConflictError';
  constructor(receiptId: string) {
    super(`checkpoint ${receiptId} already has a different receipt signed by this provider`, {
      code: 'STORE_RECEIPT_CONFLICT',
      details: 'signing a second, different receipt for one checkpoint would be slashable equivocation',
      meta: { receiptId },
    });
  }
}

type Row = {
  receipt_id: string;
  session_id: string;
  seq: number;
  channel_id: string;
  payer: string;
  provider: string;
  bytes_up: number;
  bytes_down: number;
  amount: string;
  start_time: number;
  end_time: number;
  provider_signature: string | null;
  client_signature: string | null;
  saved_at: number;
};

/** Amounts as 78-digit zero-padded decimals: text order is numeric order (2^256 has 78 digits). */
function padAmount(value: bigint): string {
  return value.toString().padStart(78, '0');
}

function fromRow(row: Row): StoredReceipt {
  return {
    receipt: {
      sessionId: row.receipt_id as Hex,
      channelId: row.channel_id as Hex,
      bytesUp: BigInt(row.bytes_up),
      bytesDown: BigInt(row.bytes_down),
      amount: BigInt(row.amount),
      startTime: BigInt(row.start_time),
      endTime: BigInt(row.end_time),
    },
    session: row.session_id as Hex,
    seq: row.seq,
    payer: row.payer as Address,
    provider: row.provider as Address,
    ...(row.provider_signature ? { providerSignature: row.provider_signature as Hex } : {}),
    ...(row.client_signature ? { clientSignature: row.client_signature as Hex } : {}),
    savedAt: row.saved_at,
  };
}

export class ReceiptStore {
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

  /**
   * Saves a receipt with the signatures given; the same receipt (checkpoint and content) saved again keeps
   * its row and gains the signatures it lacked. Returns the receipt as now stored.
   */
  save(entry: Omit<StoredReceipt, 'savedAt'>): StoredReceipt {
    const { receipt } = entry;
    const hash = receiptStructHash(receipt);
    this.#prepare(
      `INSERT INTO session_receipts (receipt_id, struct_hash, session_id, seq, channel_id, payer, provider, bytes_up,
         bytes_down, amount, start_time, end_time, provider_signature, client_signature, saved_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (receipt_id, struct_hash) DO UPDATE SET
         provider_signature = COALESCE(session_receipts.provider_signature, excluded.provider_signature),
         client_signature = COALESCE(session_receipts.client_signature, excluded.client_signature)`,
    ).run(
      receipt.sessionId.toLowerCase(),
      hash,
      entry.session.toLowerCase(),
      entry.seq,
      receipt.channelId.toLowerCase(),
      entry.payer.toLowerCase(),
      entry.provider.toLowerCase(),
      receipt.bytesUp,
      receipt.bytesDown,
      padAmount(receipt.amount),
      receipt.startTime,
      receipt.endTime,
      entry.providerSignature ?? null,
      entry.clientSignature ?? null,
      this.#now(),
    );
    const row = this.#prepare('SELECT * FROM session_receipts WHERE receipt_id = ? AND struct_hash = ?').get(
      receipt.sessionId.toLowerCase(),
      hash,
    ) as Row;
    return fromRow(row);
  }

  /** The session's newest checkpoint (highest `seq`), whatever signatures it has. */
  latest(session: Hex): StoredReceipt | undefined {
    const row = this.#prepare('SELECT * FROM session_receipts WHERE session_id = ? ORDER BY seq DESC LIMIT 1').get(
      session.toLowerCase(),
    ) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * The session's newest checkpoint countersigned by the payer, with both signatures: a provider's
   * counter-evidence in a slash dispute (the payer acknowledged these bytes and this amount).
   */
  latestFullySigned(session: Hex): FullySignedReceipt | undefined {
    const row = this.#prepare(
      `SELECT * FROM session_receipts
       WHERE session_id = ? AND provider_signature IS NOT NULL AND client_signature IS NOT NULL
       ORDER BY seq DESC LIMIT 1`,
    ).get(session.toLowerCase()) as Row | undefined;
    return row ? (fromRow(row) as FullySignedReceipt) : undefined;
  }

  /** Receipts held for the same checkpoint as `receipt` with other contents and the provider's signature. */
  conflicting(receipt: Receipt): StoredReceipt[] {
    const rows = this.#prepare(
      `SELECT * FROM session_receipts
       WHERE receipt_id = ? AND struct_hash != ? AND provider_signature IS NOT NULL ORDER BY saved_at`,
    ).all(receipt.sessionId.toLowerCase(), receiptStructHash(receipt)) as Row[];
    return rows.map(fromRow);
  }

  /** Receipts matching every filter given, newest `endTime` first. */
  list(filter: ListReceiptsParameters = {}): StoredReceipt[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    const add = (clause: string, value: SQLInputValue) => {
      where.push(clause);
      args.push(value);
    };
    if (filter.session) add('session_id = ?', filter.session.toLowerCase());
    if (filter.channelId) add('channel_id = ?', filter.channelId.toLowerCase());
    if (filter.payer) add('payer = ?', filter.payer.toLowerCase());
    if (filter.provider) add('provider = ?', filter.provider.toLowerCase());
    if (filter.from !== undefined) add('end_time >= ?', filter.from);
    if (filter.to !== undefined) add('end_time <= ?', filter.to);
    const limit = Math.max(1, Math.min(MAX_LIST, filter.limit ?? MAX_LIST));
    const sql = `SELECT * FROM session_receipts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY end_time DESC, seq DESC LIMIT ${limit}`;
    return (this.#prepare(sql).all(...args) as Row[]).map(fromRow);
  }
}
