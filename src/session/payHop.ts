/**
 * The client side of a paid tunnel hop: sends the opening voucher, then pays as the hop's meter
 * counts bytes (both directions), with ticks and checkpoint vouchers from `PayerChannel`, as
 * PAYMENT frames on the hop's own session — so only that hop sees them. Payments are sent in order
 * (one signing at a time). When the deposit or budget stops it, `onBlocked` says why; the hop's
 * provider then pauses the session after its credit window.
 */

import type { AccountingError } from '../accounting/errors.ts';
import { encodePayment } from '../accounting/messages.ts';
import type { PayerChannel, Payment } from '../accounting/PayerChannel.ts';
import { type Logger, silentLogger } from '../log/logger.ts';
import type { MuxSession } from '../tunnel/MuxSession.ts';

export type PayHopParameters = {
  session: MuxSession;
  payer: PayerChannel;
  logger?: Logger;
  onBlocked?: (reason: AccountingError) => void;
  /** Called with the amount of each voucher sent (the opening one included): persist it. */
  onVoucher?: (amount: bigint) => void;
};

export type PaidHop = {
  payer: PayerChannel;
  /** Bytes this hop carried for us (down = received by the client, up = sent). */
  readonly bytesDown: number;
  readonly bytesUp: number;
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
}: PayHopParameters): Promise<PaidHop> {
  const { meter } = session;
  let queue: Promise<void> = Promise.resolve();
  let blockedReported = false;
  const send = (payment: Payment) => {
    if (payment.kind === 'voucher') onVoucher?.(payment.signed.voucher.amount);
    session.sendPayment(encodePayment(payment));
  };
  send({ kind: 'voucher', signed: await payer.open() });
  const onMeter = () => {
    queue = queue
      .then(async () => {
        if (session.closed) return;
        const delta = meter.received + meter.sent - payer.bytesDelivered;
        for (const payment of await payer.onDelivered(delta)) send(payment);
        const blocked = payer.blocked;
        if (blocked && !blockedReported) {
          blockedReported = true;
          logger.warn({ code: blocked.code }, blocked.message);
          onBlocked?.(blocked);
        } else if (!blocked) blockedReported = false;
      })
      .catch((error: unknown) => {
        // The chain never rejects: a failure to pay ends the hop's session.
        logger.error({ err: error }, 'paying the hop failed; closing its session');
        session.close(error as Error);
      });
  };
  meter.on('received', onMeter);
  meter.on('sent', onMeter);
  session.once('close', () => {
    meter.off('received', onMeter);
    meter.off('sent', onMeter);
  });
  return {
    payer,
    get bytesDown() {
      return meter.received;
    },
    get bytesUp() {
      return meter.sent;
    },
    settled: () => queue,
  };
}
