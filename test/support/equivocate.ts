/**
 * A provider that equivocates, built on the real provider (`startProvider`'s `onSession` tap): every
 * receipt it countersigns is followed, on the same session, by a second receipt for the same checkpoint
 * with one byte less downloaded, also signed with the provider's key — two different receipts for one
 * checkpoint, what `ProviderRegistry.slashEquivocation` punishes.
 */
import type { LocalAccount } from 'viem';
import type { RegistryDomain } from '../../src/accounting/receipt.ts';
import { signReceipt } from '../../src/accounting/receipt.ts';
import { decodeReceiptMessage, encodeReceiptMessage, isReceiptMessage } from '../../src/accounting/receiptMessages.ts';
import type { MuxSession } from '../../src/tunnel/MuxSession.ts';

export function equivocateOn(account: LocalAccount, domain: RegistryDomain): (session: MuxSession) => void {
  return (session) => {
    const send = session.sendPayment.bind(session);
    session.sendPayment = (payload: Buffer) => {
      const sent = send(payload);
      if (!isReceiptMessage(payload)) return sent;
      const { seq, receipt } = decodeReceiptMessage(payload);
      const other = { ...receipt, bytesDown: receipt.bytesDown - 1n };
      void signReceipt(account, domain, other).then((signature) => {
        if (!session.closed) send(encodeReceiptMessage({ seq, receipt: other, signature }));
      });
      return sent;
    };
  };
}
