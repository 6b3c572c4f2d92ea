/**
 * `bandex pool deposit|balance`: the wallet's notes in the shielded pool. A deposit puts one denomination
 * (1, 10 or 100 RBT) into the pool under a fresh note, kept in a notes file sealed with the wallet; `balance`
 * syncs the notes with the chain (leaf indices, refunds of pool-funded channels) and sums the spendable ones.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { balanceOf } from '../../chain/actions/balanceOf.ts';
import { depositToPool } from '../../chain/actions/depositToPool.ts';
import { readPoolCommitments } from '../../chain/actions/readPoolCommitments.ts';
import { POOL_DENOMINATIONS } from '../../chain/deployPresets.ts';
import { InvalidArgumentError } from '../../chain/errors.ts';
import { dataDir } from '../../config/config.ts';
import { createNote, noteKey } from '../../pool/note.ts';
import { PoolWallet } from '../../pool/PoolWallet.ts';
import { formatRbt, parseRbt } from '../amounts.ts';
import {
  addAccountOptions,
  addChainOptions,
  type ChainFlags,
  openWallet,
  type WalletContext,
} from '../chainContext.ts';
import { InsufficientBalanceError, NotAllowedNowError } from '../errors.ts';
import { reportProgress } from '../progress.ts';

type PoolFlags = ChainFlags & { notes?: string; json?: boolean };

export function poolCommand(): Command {
  return new Command('pool')
    .description('the shielded pool: deposit RBT as notes that later pay for channels no one can link to you')
    .addCommand(depositCommand())
    .addCommand(balanceCommand())
    .addHelpText(
      'after',
      `
Deposits are fixed denominations (${POOL_DENOMINATIONS.map(formatRbt).join(', ')} RBT): a deposit hides among the
deposits of its size. Notes are kept in a file sealed with the wallet (default: the data folder); losing it loses
the notes. See docs/privacy.md.

Examples:
  $ bandex pool deposit 10
  $ bandex pool balance --json`,
    );
}

function withNotes(command: Command): Command {
  return addAccountOptions(addChainOptions(command)).option(
    '--notes <file>',
    'the notes file (default: <data>/pool/<chain id>-<address>.notes)',
  );
}

async function openNotes(context: WalletContext, flags: PoolFlags): Promise<PoolWallet> {
  const file = flags.notes ?? join(dataDir(), 'pool', `${context.chainId}-${context.account.address}.notes`);
  return PoolWallet.open(file, context.account);
}

function depositCommand(): Command {
  return withNotes(new Command('deposit'))
    .description('deposit AMOUNT RBT (one denomination) into the pool as a new note')
    .argument('<amount>', `RBT: one of ${POOL_DENOMINATIONS.map(formatRbt).join(', ')}`, parseRbt)
    .option('--json', 'print one JSON line: amount, leafIndex, tx')
    .action(async (amount: bigint, flags: PoolFlags) => {
      if (!POOL_DENOMINATIONS.includes(amount as (typeof POOL_DENOMINATIONS)[number])) {
        throw new InvalidArgumentError({
          name: 'deposit',
          value: `${formatRbt(amount)} RBT`,
          expected: `a pool denomination (${POOL_DENOMINATIONS.map(formatRbt).join(', ')} RBT)`,
        });
      }
      const context = await openWallet(flags);
      const { wallet, deployment, account } = context;
      if (deployment.preset === 'production') {
        throw new NotAllowedNowError({
          reason: "this deployment's pool verifier comes from the development ceremony: anyone can forge its proofs",
          hint: 'deposits wait for a verifier from a multi-party ceremony (docs/privacy.md "Trusted setup")',
        });
      }
      const have = await balanceOf(wallet, { token: deployment.contracts.token, account: account.address });
      if (have < amount) {
        throw new InsufficientBalanceError({
          what: 'RBT',
          address: account.address,
          have: `${formatRbt(have)} RBT`,
          need: `${formatRbt(amount)} RBT`,
          hint: 'buy RBT first (bandex token buy)',
        });
      }
      const notes = await openNotes(context, flags);
      const note = createNote(amount);
      // The note is written before the deposit is sent: a crash after sending loses no funds.
      const record = { ...note, status: 'unspent' as const };
      notes.add(record);
      const { leafIndex, receipt } = await depositToPool(wallet, {
        deployment,
        noteKey: noteKey(note),
        denomination: amount,
        onProgress: reportProgress,
      });
      notes.update(record, { leafIndex });
      const info = { amount: formatRbt(amount), leafIndex, tx: receipt.transactionHash };
      if (flags.json) process.stdout.write(`${JSON.stringify(info)}\n`);
      else console.log(`deposited ${info.amount} RBT as pool note #${leafIndex}`);
    });
}

function balanceCommand(): Command {
  return withNotes(new Command('balance'))
    .description('spendable RBT in the pool, after syncing the notes with the chain')
    .option('--json', 'print one JSON line: balance, notes, pendingNotes, pendingRefunds, poolSize')
    .action(async (flags: PoolFlags) => {
      const context = await openWallet(flags);
      const notes = await openNotes(context, flags);
      const { commitments, refunds } = await readPoolCommitments(context.client, { deployment: context.deployment });
      notes.sync(commitments, refunds);
      const spendable = notes.notes.filter((n) => n.status === 'unspent' && n.leafIndex !== undefined);
      const info = {
        balance: formatRbt(notes.balance()),
        notes: spendable.map((n) => ({ value: formatRbt(n.value), leafIndex: n.leafIndex })),
        /** Notes whose transaction is not in the pool (yet): not counted. */
        pendingNotes: notes.notes.filter((n) => n.status === 'unspent' && n.leafIndex === undefined).length,
        pendingRefunds: notes.notes.filter((n) => n.status === 'refund').length,
        poolSize: commitments.length,
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(info)}\n`);
        return;
      }
      console.log(`${info.balance} RBT in ${spendable.length} note(s); ${info.pendingRefunds} refund(s) pending`);
    });
}
