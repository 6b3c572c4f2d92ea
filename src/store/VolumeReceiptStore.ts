/**
 * A provider's volume receipts (SQLite, table `volume_receipts`): per channel, the newest EdDSA-Poseidon
 * receipt its payer signed (cumulative, so the newest is the one to count) with the payer's registration of
 * the channel key, until `VolumeClaimer` counts it in a zero-knowledge claim. A receipt that is not newer
 * than the one held (lower bytes or value, or an earlier epoch) is ignored: a channel's receipts only grow.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Address, Hex } from 'viem';
import type { SignedVolumeReceipt, VolumeChannel } from '../volume/volumeReceipt.ts';

export type StoredVolumeReceipt = {
  channel: VolumeChannel;
  payer: Address;
  /** The payer's EIP-712 consent to the channel key (`signVolumeChannelKey`), for `registerChannel`. */
  registrationSignature: Hex;
  receipt: SignedVolumeReceipt;
  savedAt: number;
  /** The epoch of the claim that counted it, once counted. */
  claimedEpoch?: bigint;
};

type Row = {
  channel_id: string;
  payer: string;
  provider: string;
  deposit: string;
  pub_x: string;
  pub_y: string;
  registration_signature: string;
  epoch: number;
  bytes: string;
  value: string;
  r8x: string;
  r8y: string;
  s: string;
  saved_at: number;
  claimed_epoch: number | null;
};

function fromRow(row: Row): StoredVolumeReceipt {
  const channelId = row.channel_id as Hex;
  return {
    channel: {
      channelId,
      payee: row.provider as Address,
      deposit: BigInt(row.deposit),
      key: { x: BigInt(row.pub_x), y: BigInt(row.pub_y) },
    },
    payer: row.payer as Address,
    registrationSignature: row.registration_signature as Hex,
    receipt: {
      channelId,
      epoch: BigInt(row.epoch),
      bytes: BigInt(row.bytes),
      value: BigInt(row.value),
      signature: { R8x: BigInt(row.r8x), R8y: BigInt(row.r8y), S: BigInt(row.s) },
    },
    savedAt: row.saved_at,
    ...(row.claimed_epoch === null ? {} : { claimedEpoch: BigInt(row.claimed_epoch) }),
  };
}

export class VolumeReceiptStore {
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

  get(channelId: Hex): StoredVolumeReceipt | undefined {
    const row = this.#prepare('SELECT * FROM volume_receipts WHERE channel_id = ?').get(channelId.toLowerCase()) as
      | Row
      | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * Keeps `entry` when the channel has no receipt yet, or when it is newer than the one held (epoch, bytes and
   * value all at least as large) and the channel is not counted yet. Returns whether it was kept. The caller
   * has checked the signature and the registration (`isVolumeReceiptSignedBy`).
   */
  save(entry: Omit<StoredVolumeReceipt, 'savedAt' | 'claimedEpoch'>): boolean {
    const held = this.get(entry.channel.channelId);
    const r = entry.receipt;
    if (held) {
      if (held.claimedEpoch !== undefined) return false;
      const h = held.receipt;
      if (r.epoch < h.epoch || r.bytes < h.bytes || r.value < h.value) return false;
    }
    const c = entry.channel;
    this.#prepare(
      `INSERT INTO volume_receipts (channel_id, payer, provider, deposit, pub_x, pub_y, registration_signature, epoch,
         bytes, value, r8x, r8y, s, saved_at, claimed_epoch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (channel_id) DO UPDATE SET deposit = excluded.deposit, pub_x = excluded.pub_x,
         pub_y = excluded.pub_y, registration_signature = excluded.registration_signature, epoch = excluded.epoch,
         bytes = excluded.bytes, value = excluded.value, r8x = excluded.r8x, r8y = excluded.r8y, s = excluded.s,
         saved_at = excluded.saved_at`,
    ).run(
      c.channelId.toLowerCase(),
      entry.payer.toLowerCase(),
      c.payee.toLowerCase(),
      c.deposit.toString(),
      c.key.x.toString(),
      c.key.y.toString(),
      entry.registrationSignature,
      r.epoch,
      r.bytes.toString(),
      r.value.toString(),
      r.signature.R8x.toString(),
      r.signature.R8y.toString(),
      r.signature.S.toString(),
      this.#now(),
    );
    return true;
  }

  /** Receipts not counted yet whose epoch is in [from, to], oldest epoch first. */
  unclaimed(from: bigint, to: bigint): StoredVolumeReceipt[] {
    const rows = this.#prepare(
      `SELECT * FROM volume_receipts WHERE claimed_epoch IS NULL AND epoch >= ? AND epoch <= ?
       ORDER BY epoch, channel_id`,
    ).all(from, to) as Row[];
    return rows.map(fromRow);
  }

  /** Marks channels as counted by a claim of `epoch` (their nullifiers are spent on chain). */
  markClaimed(channelIds: readonly Hex[], epoch: bigint): void {
    const statement = this.#prepare('UPDATE volume_receipts SET claimed_epoch = ? WHERE channel_id = ?');
    for (const id of channelIds) statement.run(epoch, id.toLowerCase());
  }
}
