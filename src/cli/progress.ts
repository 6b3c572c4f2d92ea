/**
 * Progress of the CLI on stderr (never stdout, which stays clean for `--json`): free lines, and the
 * stages of a transaction as the chain's transaction pipeline reports them (sending, sent, confirmed).
 */
import type { TransactionProgress } from '../chain/actions/sendTransaction.ts';

/** Prints a progress line on stderr. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** One line for a stage of a transaction. Pure. */
export function describeProgress(p: TransactionProgress): string {
  switch (p.stage) {
    case 'sending':
      return `${p.label}: sending`;
    case 'sent':
      return `${p.label}: sent ${p.hash}, waiting for confirmation`;
    case 'confirmed':
      return `${p.label}: confirmed in block ${p.blockNumber}`;
  }
}

/** The `onProgress` callback every CLI command hands to the chain's write actions. */
export function reportProgress(p: TransactionProgress): void {
  progress(describeProgress(p));
}
