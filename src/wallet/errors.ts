/** Errors of key handling: key files, keystores, passwords. Each says what to do about it. */
import { BaseError } from '../errors/BaseError.ts';

export class KeystoreFileError extends BaseError<{ file: string }> {
  override name = 'KeystoreFileError';
  constructor({ file, reason, cause, details }: { file: string; reason: string; cause?: unknown; details?: string }) {
    super(`cannot use keystore ${file}: ${reason}`, {
      code: 'WALLET_KEYSTORE',
      details:
        details ??
        (reason === 'no such file'
          ? 'create one with `bandex wallet create`, import a key with `bandex wallet import`, or pass --keystore FILE'
          : 'the file must be a Web3 Secret Storage v3 key file, as `bandex wallet create`, geth or `cast wallet` write'),
      meta: { file },
      cause,
    });
  }
}

export class WrongPasswordError extends BaseError<{ file: string }> {
  override name = 'WrongPasswordError';
  constructor({ file }: { file: string }) {
    super(`wrong password for keystore ${file}`, {
      code: 'WALLET_WRONG_PASSWORD',
      details: 'check --password-file or BANDEX_PASSWORD (a trailing newline in the file is ignored)',
      meta: { file },
    });
  }
}

export class PasswordUnavailableError extends BaseError {
  override name = 'PasswordUnavailableError';
  constructor({ reason, details }: { reason: string; details?: string }) {
    super(reason, {
      code: 'WALLET_NO_PASSWORD',
      details: details ?? 'pass --password-file FILE, set BANDEX_PASSWORD, or run in a terminal to be asked for it',
    });
  }
}

export class NoAccountError extends BaseError {
  override name = 'NoAccountError';
  constructor({ reason }: { reason: string }) {
    super(reason, {
      code: 'WALLET_NO_ACCOUNT',
      details: 'create a keystore with `bandex wallet create`, or pass --keystore FILE or --key-file FILE',
    });
  }
}
