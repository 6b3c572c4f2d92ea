/**
 * Error families of the data plane. Each family is a `BaseError` subclass with stable
 * `TUNNEL_*` codes; none of them carries traffic content or destinations in its message.
 */
import { BaseError, type BaseErrorParameters } from '../errors/BaseError.ts';

/** Handshake failed: wrong key, bad tag, malformed or late message. */
export class HandshakeError extends BaseError {
  override name = 'HandshakeError';
  constructor(message: string, params: BaseErrorParameters) {
    super(message, params);
  }
}

/** A transport record could not be decoded (bad tag, oversized, truncated). The channel closes. */
export class RecordError extends BaseError {
  override name = 'RecordError';
  constructor(message: string, params: BaseErrorParameters) {
    super(message, params);
  }
}

/** A mux protocol violation, a reset stream, or a closed session. */
export class MuxError extends BaseError {
  override name = 'MuxError';
  constructor(message: string, params: BaseErrorParameters) {
    super(message, params);
  }
}

/** The exit refused or could not reach a destination; `meta.reply` is the SOCKS5 reply code. */
export class OpenError extends BaseError<{ reply: number }> {
  override name = 'OpenError';
  constructor(message: string, params: BaseErrorParameters<{ reply: number }>) {
    super(message, params);
  }
}

/** A malformed SOCKS5 or HTTP proxy request from a local application. */
export class ProxyRequestError extends BaseError<{ reply: number }> {
  override name = 'ProxyRequestError';
  constructor(message: string, params: BaseErrorParameters<{ reply: number }>) {
    super(message, params);
  }
}
