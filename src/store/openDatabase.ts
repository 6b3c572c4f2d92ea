/**
 * Opens a Bandex SQLite database (node:sqlite) in WAL mode and brings its schema up to date. WAL with
 * `synchronous=NORMAL` survives a process crash at any point (a committed transaction is in the WAL
 * before the call returns); `FULL` also survives power loss, at an fsync per commit.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { BaseError } from '../errors/BaseError.ts';
import { MIGRATIONS } from './migrations.ts';

export class StoreError extends BaseError<{ file: string }> {
  override name = 'StoreError';
  constructor(file: string, message: string, details: string, cause?: unknown) {
    super(message, { code: 'STORE_UNUSABLE', details, meta: { file }, cause });
  }
}

export type OpenDatabaseParameters = { file: string; durability?: 'process-crash' | 'power-loss' };

export function openDatabase({ file, durability = 'process-crash' }: OpenDatabaseParameters): DatabaseSync {
  let db: DatabaseSync;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${durability === 'power-loss' ? 'FULL' : 'NORMAL'}`);
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('PRAGMA busy_timeout = 5000');
  } catch (cause) {
    throw new StoreError(file, `cannot open the state database ${file}`, 'check the path and its permissions', cause);
  }
  migrate(db, file);
  return db;
}

function migrate(db: DatabaseSync, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > MIGRATIONS.length)
    throw new StoreError(
      file,
      `the state database ${file} has schema version ${current}, newer than this Bandex (${MIGRATIONS.length})`,
      'upgrade Bandex, or restore a backup made by this version',
    );
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[version] as string);
      if (version === 0) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(1);
      else db.prepare('UPDATE schema_version SET version = ?').run(version + 1);
      db.exec('COMMIT');
    } catch (cause) {
      db.exec('ROLLBACK');
      throw new StoreError(
        file,
        `migrating the state database to version ${version + 1} failed`,
        'restore a backup',
        cause,
      );
    }
  }
}
