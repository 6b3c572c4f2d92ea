/**
 * A client's notes in the shielded pool, kept in one file encrypted with its wallet (`sealNotes.ts`). A note is
 * `unspent` (spendable once its leaf index is known), `spent`, or `refund` — the refund note of a channel the
 * pool funded, whose value is known only when the channel closes (`sync` reads it from `RefundQueued`).
 * Every change is written before the call returns, so a crash loses no note.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Hex, LocalAccount } from 'viem';
import { BaseError } from '../errors/BaseError.ts';
import { type Note, noteCommitment } from './note.ts';
import { notesKey, openNotes, type SealedNotes, sealNotes } from './sealNotes.ts';

export type PoolNoteRecord = Note & {
  status: 'unspent' | 'spent' | 'refund';
  /** Leaf index in the pool's tree, once appended. */
  leafIndex?: number;
  /** For a refund note: the channel whose unspent rest it is. */
  refundOf?: Hex;
  /** For a spent note: the channel it funded. */
  spentOn?: Hex;
};

export class PoolWallet {
  readonly #file: string;
  readonly #key: Buffer;
  #notes: PoolNoteRecord[];

  private constructor(file: string, key: Buffer, notes: PoolNoteRecord[]) {
    this.#file = file;
    this.#key = key;
    this.#notes = notes;
  }

  /** Opens (or creates) the notes file of `account`. */
  static async open(file: string, account: Pick<LocalAccount, 'signMessage'>): Promise<PoolWallet> {
    const key = await notesKey(account);
    if (!existsSync(file)) return new PoolWallet(file, key, []);
    try {
      return new PoolWallet(file, key, openNotes(JSON.parse(readFileSync(file, 'utf8')) as SealedNotes, key));
    } catch (cause) {
      throw new BaseError(`cannot read the pool notes in ${file} with this wallet`, {
        code: 'POOL_NOTES_UNREADABLE',
        details:
          'it was sealed by another wallet or altered; it was left unchanged (open it with the wallet that wrote it)',
        meta: { file },
        cause,
      });
    }
  }

  get notes(): readonly PoolNoteRecord[] {
    return this.#notes;
  }

  /**
   * RBT wei in spendable notes: unspent and in the tree. A note whose transaction has not landed (or failed) has
   * no leaf index and does not count until `sync` finds its commitment on chain.
   */
  balance(): bigint {
    return this.#notes
      .filter((n) => n.status === 'unspent' && n.leafIndex !== undefined)
      .reduce((sum, n) => sum + n.value, 0n);
  }

  add(record: PoolNoteRecord): void {
    this.#notes.push(record);
    this.#save();
  }

  update(record: PoolNoteRecord, change: Partial<PoolNoteRecord>): void {
    Object.assign(record, change);
    this.#save();
  }

  /** The smallest spendable note worth at least `amount` (spending it leaves the least change). */
  pick(amount: bigint): PoolNoteRecord | undefined {
    return this.#notes
      .filter((n) => n.status === 'unspent' && n.leafIndex !== undefined && n.value >= amount)
      .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))[0];
  }

  /**
   * Brings the notes up to date with the pool: refund notes get their value from `refunds` (RefundQueued) and
   * become spendable; every note gets its leaf index once its commitment is in `commitments`.
   */
  sync(commitments: readonly bigint[], refunds: ReadonlyMap<Hex, { refund: bigint }>): void {
    const index = new Map(commitments.map((c, i) => [c, i]));
    for (const note of this.#notes) {
      if (note.status === 'refund' && note.refundOf) {
        const queued = refunds.get(note.refundOf);
        if (queued) Object.assign(note, { value: queued.refund, status: 'unspent' });
      }
      if (note.status === 'unspent' && note.leafIndex === undefined) {
        const at = index.get(noteCommitment(note));
        if (at !== undefined) note.leafIndex = at;
      }
    }
    this.#save();
  }

  #save(): void {
    mkdirSync(dirname(this.#file), { recursive: true });
    const temp = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(sealNotes(this.#notes, this.#key))}\n`, { mode: 0o600 });
    renameSync(temp, this.#file);
  }
}
