/**
 * Driving a `PayerChannel` the way a session does, for tests and the accounting bench: record `bytes`
 * more delivered, then pay everything now due through the channel's own API (`addDelivered`,
 * `payVoucher` whenever `voucherDue`, `takeTicks`) — one `tick` message per tick, or, given `batch`,
 * `ticks` messages of up to `batch` ticks each (what `payHop` sends under load). When the deposit or
 * the budget stops it short, `payer.blocked` says why.
 */
import type { PayerChannel, Payment, PaymentMessage } from '../../src/accounting/PayerChannel.ts';

export function payDelivered(payer: PayerChannel, bytes: number): Promise<Payment[]>;
export function payDelivered(payer: PayerChannel, bytes: number, batch: number | undefined): Promise<PaymentMessage[]>;
export async function payDelivered(payer: PayerChannel, bytes: number, batch?: number): Promise<PaymentMessage[]> {
  payer.addDelivered(bytes);
  const out: PaymentMessage[] = [];
  for (;;) {
    if (payer.voucherDue) {
      out.push({ kind: 'voucher', signed: await payer.payVoucher() });
      continue;
    }
    const ticks = payer.takeTicks(batch ?? 1);
    if (!ticks) return out;
    out.push(batch === undefined ? { kind: 'tick', preimage: ticks.preimage } : ticks);
  }
}
