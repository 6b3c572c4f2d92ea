/**
 * The provider side of a session's receipts: the client proposes each checkpoint, signed with the
 * channel's payer key (`signReceipts`); the provider checks it against what it saw (`receiptRules`), the
 * payer's signature, and that it never signed another content for that checkpoint (`ReceiptStore`), then
 * stores the receipt with both signatures and answers with its own signature. Proposals are handled one at
 * a time, in arrival order, with the byte counts and claim as they were when the proposal arrived.
 *
 * A bad proposal (malformed, replayed, for another session, inflated, regressed, wrongly signed) ends the
 * session with that code; the receipts already stored stay. A client that lets the session run more than
 * `maxUncoveredBytes` past its last countersigned receipt (withholding or deflating receipts) has its
 * session ended (`RECEIPT_MISSING`), checked once a second — never on the per-chunk path. A client that
 * proposes faster than the session's traffic and the clock justify, or has a third proposal out before
 * the first was answered, is ended too (`RECEIPT_FLOOD`, `RECEIPT_BURST`): each proposal costs the provider a signature
 * check, a signature and a row.
 */
import type { Hex, LocalAccount } from 'viem';
import { RECEIPT_BURST, RECEIPT_EVERY_BYTES, RECEIPT_MAX_UNCOVERED_BYTES } from '../accounting/constants.ts';
import { AccountingError } from '../accounting/errors.ts';
import type { PayeeChannel } from '../accounting/PayeeChannel.ts';
import { isReceiptSignedBy, type Receipt, type RegistryDomain, signReceipt } from '../accounting/receipt.ts';
import { decodeReceiptMessage, encodeReceiptMessage, isReceiptMessage } from '../accounting/receiptMessages.ts';
import { checkProposedReceipt } from '../accounting/receiptRules.ts';
import { codeOf } from '../errors/codeOf.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import { ReceiptConflictError, type ReceiptStore } from '../store/ReceiptStore.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';

/** How often the provider checks that the client keeps receipts coming. */
const CHECK_MS = 1_000;

export type CountersignReceiptsParameters = {
  session: MuxSession;
  /** The channel's ledger: its payer signs the proposals, its claim bounds their amount. */
  payee: PayeeChannel;
  /** The provider's key (the registry's provider account). */
  account: LocalAccount;
  domain: RegistryDomain;
  /** `sessionIdOf(channelId, sessionNonce)` of the accepted proposal. */
  sessionId: Hex;
  store: ReceiptStore;
  maxUncoveredBytes?: number;
  logger?: Logger;
  now?: () => number;
};

export type CountersignedReceipts = {
  /** The session's newest receipt with both signatures, if any. */
  readonly latest: Receipt | undefined;
  readonly count: number;
};

export function countersignReceipts({
  session,
  payee,
  account,
  domain,
  sessionId,
  store,
  maxUncoveredBytes = RECEIPT_MAX_UNCOVERED_BYTES,
  logger = silentLogger,
  now = Date.now,
}: CountersignReceiptsParameters): CountersignedReceipts {
  const { meter } = session;
  const seconds = () => BigInt(Math.floor(now() / 1000));
  const sessionStart = seconds();
  let nextSeq = 0;
  let previous: Receipt | undefined;
  let queue: Promise<void> = Promise.resolve();
  /** Proposals being checked and answered, and waiting: an honest client has one out at a time, so a
   * second waiting behind it (a replay, say) is judged on its merits and a third is a flood. */
  let inFlight = 0;
  let tokens = RECEIPT_BURST;
  let refilledAt = now();
  let creditedBytes = 0;
  /** Spends a proposal token (refilled by time and by new traffic); false when none is left. */
  const takeToken = (): boolean => {
    const t = now();
    const bytes = meter.received + meter.sent;
    tokens = Math.min(
      RECEIPT_BURST,
      tokens + (t - refilledAt) / 1_000 + (bytes - creditedBytes) / (RECEIPT_EVERY_BYTES / 2),
    );
    refilledAt = t;
    creditedBytes = bytes;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const fail = (error: unknown) => {
    logger.warn({ code: codeOf(error), err: error }, 'bad receipt; ending the session');
    session.close(error as Error);
  };

  const handle = async (payload: Buffer, view: { received: bigint; sent: bigint; value: bigint; now: bigint }) => {
    if (session.closed) return;
    const message = decodeReceiptMessage(payload);
    checkProposedReceipt(message, {
      sessionId,
      channelId: payee.channelId,
      nextSeq,
      previous,
      sessionStart,
      ...view,
    });
    const { seq, receipt, signature: clientSignature } = message;
    if (!(await isReceiptSignedBy(domain, receipt, clientSignature, payee.payer)))
      throw new AccountingError(
        'RECEIPT_BAD_SIGNATURE',
        `receipt ${seq} is not signed by the channel's payer ${payee.payer}`,
        'the client signs each checkpoint with the payer key of the channel, under the registry domain',
        { seq },
      );
    if (store.conflicting(receipt).length > 0) throw new ReceiptConflictError(receipt.sessionId);
    const providerSignature = await signReceipt(account, domain, receipt);
    store.save({
      receipt,
      session: sessionId,
      seq,
      payer: payee.payer,
      provider: account.address,
      providerSignature,
      clientSignature,
    });
    nextSeq = seq + 1;
    previous = receipt;
    if (!session.closed) session.sendPayment(encodeReceiptMessage({ seq, receipt, signature: providerSignature }));
  };

  const onPayment = (payload: Buffer) => {
    if (!isReceiptMessage(payload) || session.closed) return;
    if (inFlight >= 2 || !takeToken()) {
      fail(
        new AccountingError(
          'RECEIPT_FLOOD',
          inFlight >= 2
            ? 'receipt proposals arrived while two were not answered yet'
            : 'receipt proposals come faster than the session traffic and the clock allow',
          `propose one checkpoint at a time, per ${RECEIPT_EVERY_BYTES} bytes or per 30 s, and at the end`,
        ),
      );
      return;
    }
    inFlight++;
    // What the provider saw when the proposal arrived: later bytes do not make an earlier claim true.
    const view = {
      received: BigInt(meter.received),
      sent: BigInt(meter.sent),
      value: payee.value,
      now: seconds(),
    };
    queue = queue
      .then(() => handle(payload, view))
      .catch(fail)
      .finally(() => {
        inFlight--;
      });
  };

  const timer = setInterval(() => {
    if (session.closed) return;
    const covered = previous ? Number(previous.bytesUp + previous.bytesDown) : 0;
    const uncovered = meter.received + meter.sent - covered;
    if (uncovered <= maxUncoveredBytes) return;
    fail(
      new AccountingError(
        'RECEIPT_MISSING',
        `the client let ${uncovered} bytes of the session go without a countersigned receipt`,
        `a client proposes a receipt every ${RECEIPT_EVERY_BYTES} bytes; withholding them ends the session`,
        { uncovered },
      ),
    );
  }, CHECK_MS);
  timer.unref();

  session.on('payment', onPayment);
  session.once('close', () => {
    clearInterval(timer);
    session.off('payment', onPayment);
  });
  return {
    get latest() {
      return previous;
    },
    get count() {
      return nextSeq;
    },
  };
}
