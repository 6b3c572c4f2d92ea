/**
 * Durable channel state: channels and each channel's best claim (newest voucher + ticks since it).
 * Claims only ever move up in value (a stale write is ignored). Session receipts are `ReceiptStore`'s.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Address, Hex } from 'viem';
import type { Claim } from '../accounting/PayeeChannel.ts';

export type ChannelRecord = {
  channelId: Hex;
  role: 'payer' | 'payee';
  chainId: number;
  contract: Address;
  payer: Address;
  payee: Address;
  deposit: bigint;
};

/** Values are stored as 78-digit zero-padded decimals (2^256 has 78 digits), so SQLite's text
 * comparison is numeric comparison and never loses precision. */
function padValue(value: bigint): string {
  return value.toString().padStart(78, '0');
}

type ClaimRow = {
  amount: string;
  tick_anchor: string;
  tick_value: string;
  signature: string;
  preimage: string;
  ticks: number;
  value: string;
};

export class ChannelStore {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  /** Compiled statements by SQL text: a provider saves a claim every few MiB served, and compiling the
   * upsert each time cost more than running it. */
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

  saveChannel(channel: ChannelRecord): void {
    this.#prepare(
      `INSERT INTO channels (channel_id, role, chain_id, contract, payer, payee, deposit, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET deposit = excluded.deposit`,
    ).run(
      channel.channelId.toLowerCase(),
      channel.role,
      channel.chainId,
      channel.contract,
      channel.payer,
      channel.payee,
      channel.deposit.toString(),
      this.#now(),
    );
  }

  getChannel(channelId: Hex): ChannelRecord | undefined {
    const row = this.#prepare('SELECT * FROM channels WHERE channel_id = ?').get(channelId.toLowerCase()) as
      | Record<string, string | number>
      | undefined;
    if (!row) return undefined;
    return {
      channelId: row.channel_id as Hex,
      role: row.role as 'payer' | 'payee',
      chainId: row.chain_id as number,
      contract: row.contract as Address,
      payer: row.payer as Address,
      payee: row.payee as Address,
      deposit: BigInt(row.deposit as string),
    };
  }

  /** Stores `claim` if it is worth more than the stored one; returns whether it was stored. Atomic. */
  saveClaim(channelId: Hex, claim: Claim): boolean {
    const { voucher, signature } = claim.signed;
    const result = this.#prepare(
      `INSERT INTO claims (channel_id, amount, tick_anchor, tick_value, signature, preimage, ticks, value, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel_id) DO UPDATE SET
           amount = excluded.amount, tick_anchor = excluded.tick_anchor, tick_value = excluded.tick_value,
           signature = excluded.signature, preimage = excluded.preimage, ticks = excluded.ticks,
           value = excluded.value, updated_at = excluded.updated_at
         WHERE excluded.value > claims.value`,
    ).run(
      channelId.toLowerCase(),
      voucher.amount.toString(),
      voucher.tickAnchor,
      voucher.tickValue.toString(),
      signature,
      claim.preimage,
      claim.ticks,
      padValue(claim.value),
      this.#now(),
    );
    return Number(result.changes) > 0;
  }

  /**
   * Stores a payee's progress on a channel in one transaction: `claim` (when given; kept only if worth more
   * than the stored one) and the bytes served over the channel's life (kept only if more). A crash between
   * the two cannot happen; a crash before it loses only what was served on credit since the last save.
   */
  saveProgress(channelId: Hex, claim: Claim | undefined, servedBytes: number): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      if (claim) this.saveClaim(channelId, claim);
      this.#prepare('UPDATE channels SET served_bytes = MAX(served_bytes, ?) WHERE channel_id = ?').run(
        servedBytes,
        channelId.toLowerCase(),
      );
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Bytes served on a channel over its life, as last saved (0 for an unknown channel). */
  servedBytes(channelId: Hex): number {
    const row = this.#prepare('SELECT served_bytes FROM channels WHERE channel_id = ?').get(channelId.toLowerCase()) as
      | { served_bytes: number }
      | undefined;
    return row?.served_bytes ?? 0;
  }

  latestClaim(channelId: Hex): Claim | undefined {
    const row = this.#prepare('SELECT * FROM claims WHERE channel_id = ?').get(channelId.toLowerCase()) as
      | ClaimRow
      | undefined;
    if (!row) return undefined;
    return {
      signed: {
        voucher: {
          channelId,
          amount: BigInt(row.amount),
          tickAnchor: row.tick_anchor as Hex,
          tickValue: BigInt(row.tick_value),
        },
        signature: row.signature as Hex,
      },
      preimage: row.preimage as Hex,
      ticks: row.ticks,
      value: BigInt(row.value),
    };
  }

  /** Ids of every channel of `role` this store knows. */
  channelIds(role: 'payer' | 'payee'): Hex[] {
    const rows = this.#prepare('SELECT channel_id FROM channels WHERE role = ? ORDER BY created_at').all(role) as {
      channel_id: Hex;
    }[];
    return rows.map((row) => row.channel_id);
  }

  /** Channel ids of every stored claim of `role`. */
  claimedChannels(role: 'payer' | 'payee'): Hex[] {
    const rows = this.#prepare(
      'SELECT c.channel_id FROM claims c JOIN channels ch ON ch.channel_id = c.channel_id WHERE ch.role = ?',
    ).all(role) as { channel_id: Hex }[];
    return rows.map((row) => row.channel_id);
  }

  getMeta(key: string): string | undefined {
    const row = this.#prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  /** Keys of every meta entry that starts with `prefix`, in key order. */
  metaKeys(prefix: string): string[] {
    const rows = this.#prepare('SELECT key FROM meta WHERE key >= ? AND key < ? ORDER BY key').all(
      prefix,
      `${prefix}\uffff`,
    ) as { key: string }[];
    return rows.map((row) => row.key);
  }

  deleteMeta(key: string): void {
    this.#prepare('DELETE FROM meta WHERE key = ?').run(key);
  }

  close(): void {
    this.#db.close();
  }
}
