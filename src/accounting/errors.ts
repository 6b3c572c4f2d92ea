/** Errors of the accounting layer. Each leaves the state it was raised from unchanged. */
import { BaseError } from '../errors/BaseError.ts';

export type AccountingErrorCode =
  | 'VOUCHER_BAD_SIGNATURE'
  | 'VOUCHER_WRONG_CHANNEL'
  | 'VOUCHER_WRONG_DOMAIN'
  | 'VOUCHER_DECREASING'
  | 'VOUCHER_OVER_DEPOSIT'
  | 'VOUCHER_BAD_ANCHOR'
  | 'VOUCHER_TOO_LOW'
  | 'CHANNEL_CLOSING'
  | 'TICK_MISMATCH'
  | 'TICK_CHAIN_EXHAUSTED'
  | 'TICK_LIMIT'
  | 'PAYER_OVER_DEPOSIT'
  | 'PAYER_OVER_BUDGET'
  | 'CHAIN_LENGTH'
  | 'MESSAGE_MALFORMED'
  | 'RECEIPT_BAD_SIGNATURE'
  | 'RECEIPT_WRONG_SESSION'
  | 'RECEIPT_REPLAYED'
  | 'RECEIPT_OVERCLAIM'
  | 'RECEIPT_REGRESSED'
  | 'RECEIPT_MISMATCH'
  | 'RECEIPT_MISSING'
  | 'RECEIPT_FLOOD'
  | 'RECEIPT_EQUIVOCATION';

export class AccountingError extends BaseError<Record<string, unknown>> {
  override name = 'AccountingError';
  declare readonly code: AccountingErrorCode;
  constructor(code: AccountingErrorCode, message: string, details?: string, meta?: Record<string, unknown>) {
    super(message, { code, details, meta });
  }
}
