/**
 * The client side of a paid tunnel hop: sends the opening voucher, then pays as the hop's meter
 * counts bytes (both directions), with ticks and checkpoint vouchers from `PayerChannel`, as
 * PAYMENT frames on the hop's own session — so only that hop sees them. When the deposit or budget
 * stops it, `onBlocked` says why; the hop's provider then pauses the session after its credit window.
 *
 * Ticks are batched: one `ticks` message (the newest preimage and how many ticks it pays) goes out
 * when `batchTicks` ticks are due (at most a quarter of the credit window), and a partial batch goes out
 * `FLUSH_AFTER_MS` after it became due, so a flowing stream costs about one message per MiB — not one
 * per socket read, each its own record and `writev` — and the provider waits at most a few milliseconds
 * for the last ticks of a burst. Whatever is due also goes out whenever the session sends a
 * WINDOW_UPDATE, in the same write: during a download the payments then wake the provider no more
 * often than flow control does. Payments leave in order: while a voucher is being signed, nothing else
 * is sent.
 */

import { TICK_BYTES } from '../accounting/constants.ts';
import type { AccountingError } from '../accounting/errors.ts';
import { encodePayment } from '../accounting/messages.ts';
import type { PayerChannel, PaymentMessage } from '../accounting/PayerChannel.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';

/** Most ticks one PAYMENT message pays by default: 16 ticks = 1 MiB, a quarter of the client's default
 * 4 MiB credit window, so a full batch never brings the provider near its pause. */
export const DEFAULT_BATCH_TICKS = 16;

/** A partial batch waits at most this long for more ticks (a stream that keeps flowing fills batches). */
const FLUSH_AFTER_MS = 5;

export type PayHopParameters = {
  session: MuxSession;
  payer: PayerChannel;
  logger?: Logger;
  onBlocked?: (reason: AccountingError) => void;
  /** Called with the amount of each voucher sent (the opening one included): persist it. */
  onVoucher?: (amount: bigint) => void;
  /** The hop's credit window, when known: a batch is then at most a quarter of it. */
  creditBytes?: number;
  /** Most ticks per PAYMENT message (default `DEFAULT_BATCH_TICKS`, capped by `creditBytes`; 1 = one per tick). */
  batchTicks?: number;
};

export type PaidHop = {
  payer: PayerChannel;
  /** Bytes this hop carried for us (down = received by the client, up = sent). */
  readonly bytesDown: number;
  readonly bytesUp: number;
  /** PAYMENT messages sent (vouchers included). */
  readonly messages: number;
  /** Resolves once every payment due so far has been handed to the session. */
  settled(): Promise<void>;
};

/** Starts paying `session` through `payer`; resolves after the opening voucher is sent. */
export async function payHop({
  session,
  payer,
  logger = silentLogger,
  onBlocked,
  onVoucher,
  creditBytes,
  batchTicks,
}: PayHopParameters): Promise<PaidHop> {
  const { meter } = session;
  const creditTicks = creditBytes === undefined ? Number.POSITIVE_INFINITY : Math.floor(creditBytes / 4 / TICK_BYTES);
  const maxBatch = Math.max(1, Math.min(batchTicks ?? DEFAULT_BATCH_TICKS, creditTicks));
  let messages = 0;
  let blockedReported = false;
  /** A voucher being signed: nothing else is sent until it is. */
  let signing: Promise<void> | undefined;
  let flushScheduled = false;

  const send = (payment: PaymentMessage) => {
    if (payment.kind === 'voucher') onVoucher?.(payment.signed.voucher.amount);
    messages++;
    session.sendPayment(encodePayment(payment));
  };
  const fail = (error: unknown) => {
    // A failure to pay ends the hop's session.
    logger.error({ err: error }, 'paying the hop failed; closing its session');
    session.close(error as Error);
  };
  const reportBlocked = () => {
    const blocked = payer.blocked;
    if (blocked && !blockedReported) {
      blockedReported = true;
      logger.warn({ code: blocked.code }, blocked.message);
      onBlocked?.(blocked);
    } else if (!blocked) blockedReported = false;
  };

  /** Pays what is due: full batches at once, the rest too when `all` (else at the end of the turn). */
  const pay = (all: boolean) => {
    if (session.closed || signing) return;
    try {
      payer.addDelivered(meter.received + meter.sent - payer.bytesDelivered);
      let attempted = false;
      for (;;) {
        if (payer.voucherDue) {
          signing = payer.payVoucher().then(
            (signed) => {
              signing = undefined;
              if (session.closed) return;
              send({ kind: 'voucher', signed });
              pay(true);
            },
            (error: unknown) => {
              signing = undefined;
              fail(error);
            },
          );
          break;
        }
        const due = payer.ticksDue;
        if (due <= 0) break;
        if (due < maxBatch && !all) {
          if (!flushScheduled) {
            flushScheduled = true;
            setTimeout(flush, FLUSH_AFTER_MS);
          }
          break;
        }
        attempted = true;
        const ticks = payer.takeTicks(maxBatch);
        if (!ticks) break;
        send(ticks);
      }
      if (attempted) reportBlocked();
    } catch (error) {
      fail(error);
    }
  };
  const flush = () => {
    flushScheduled = false;
    pay(true);
  };

  send({ kind: 'voucher', signed: await payer.open() });
  const onMeter = () => pay(false);
  // A partial batch rides with the WINDOW_UPDATE the session is sending anyway: one write, one wake-up of
  // the provider, instead of a message of its own a little later.
  const onWindowUpdate = () => {
    if (payer.ticksDue > 0) pay(true);
  };
  meter.on('received', onMeter);
  meter.on('sent', onMeter);
  session.on('windowUpdate', onWindowUpdate);
  session.once('close', () => {
    meter.off('received', onMeter);
    meter.off('sent', onMeter);
    session.off('windowUpdate', onWindowUpdate);
  });
  return {
    payer,
    get bytesDown() {
      return meter.received;
    },
    get bytesUp() {
      return meter.sent;
    },
    get messages() {
      return messages;
    },
    settled: async () => {
      pay(true);
      while (signing) await signing;
    },
  };
}
