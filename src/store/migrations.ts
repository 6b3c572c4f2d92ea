/** Schema migrations of the state database, in order; entry i brings version i to i + 1. Never edit one
 * that has shipped: append a new one. Amounts are decimal strings (they exceed 2^53). */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE channels (
    channel_id TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('payer', 'payee')),
    chain_id INTEGER NOT NULL,
    contract TEXT NOT NULL,
    payer TEXT NOT NULL,
    payee TEXT NOT NULL,
    deposit TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  -- The best claim of a payee (or the newest promise of a payer): voucher + ticks since it.
  CREATE TABLE claims (
    channel_id TEXT PRIMARY KEY REFERENCES channels (channel_id),
    amount TEXT NOT NULL,
    tick_anchor TEXT NOT NULL,
    tick_value TEXT NOT NULL,
    signature TEXT NOT NULL,
    preimage TEXT NOT NULL,
    ticks INTEGER NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE receipts (
    session_id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL REFERENCES channels (channel_id),
    receipt TEXT NOT NULL,
    provider_signature TEXT NOT NULL,
    client_signature TEXT,
    created_at INTEGER NOT NULL
  );
  `,
  `
  -- Small named values: the watcher's block cursor, and the like.
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  `
  -- Bytes a payee has served on a channel over its life, every session and both directions (issue 14:
  -- credit belongs to the channel, so a new session must pay for what earlier ones were served).
  ALTER TABLE channels ADD COLUMN served_bytes INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- Session receipts, one row per checkpoint and content (ReceiptStore). The unsigned-by-daemons table of
  -- migration 1 never held a row (nothing called it); it goes. receipt_id is the EIP-712 struct's sessionId
  -- field (checkpointIdOf(session_id, seq)); struct_hash tells two contents apart, so a client can keep
  -- both receipts a provider signed for one checkpoint (equivocation evidence).
  DROP TABLE receipts;
  CREATE TABLE session_receipts (
    receipt_id TEXT NOT NULL,
    struct_hash TEXT NOT NULL,
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    channel_id TEXT NOT NULL,
    payer TEXT NOT NULL,
    provider TEXT NOT NULL,
    bytes_up INTEGER NOT NULL,
    bytes_down INTEGER NOT NULL,
    amount TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    provider_signature TEXT,
    client_signature TEXT,
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (receipt_id, struct_hash)
  );
  CREATE INDEX session_receipts_by_session ON session_receipts (session_id, seq);
  CREATE INDEX session_receipts_by_channel ON session_receipts (channel_id, end_time);
  CREATE INDEX session_receipts_by_payer ON session_receipts (payer, end_time);
  `,
  `
  -- An auditor's archive of signed audit reports: its own and every one heard on the audit topic
  -- (AuditReportStore). Keyed by the signature too, so two different reports one auditor signed for the
  -- same provider and epoch are both kept.
  CREATE TABLE audit_reports (
    auditor TEXT NOT NULL,
    provider TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    report TEXT NOT NULL,
    signature TEXT NOT NULL,
    own INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (auditor, provider, epoch, signature)
  );
  CREATE INDEX audit_reports_by_provider ON audit_reports (provider, epoch);
  CREATE INDEX audit_reports_by_epoch ON audit_reports (epoch);
  `,
  `
  -- A provider's newest EdDSA-Poseidon volume receipt per channel (VolumeReceiptStore), with the payer's
  -- registration of the channel key, until a zero-knowledge claim counts it (claimed_epoch).
  CREATE TABLE volume_receipts (
    channel_id TEXT PRIMARY KEY,
    payer TEXT NOT NULL,
    provider TEXT NOT NULL,
    deposit TEXT NOT NULL,
    pub_x TEXT NOT NULL,
    pub_y TEXT NOT NULL,
    registration_signature TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    bytes TEXT NOT NULL,
    value TEXT NOT NULL,
    r8x TEXT NOT NULL,
    r8y TEXT NOT NULL,
    s TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    claimed_epoch INTEGER
  );
  CREATE INDEX volume_receipts_by_epoch ON volume_receipts (claimed_epoch, epoch);
  `,
];
