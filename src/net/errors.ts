/**
 * Errors of the control plane: the persisted peer key, peer bindings, offers, session
 * negotiation and the libp2p node. One class per family; the `code` says which failure
 * it is and never changes once published (docs/control-plane.md lists them).
 */
import { BaseError } from '../errors/BaseError.ts';

export class PeerKeyError extends BaseError<{ file: string }> {
  override name = 'PeerKeyError';
  constructor(
    file: string,
    code: 'NET_PEER_KEY_UNREADABLE' | 'NET_PEER_KEY_INVALID' | 'NET_PEER_KEY_INSECURE',
    reason: string,
    cause?: unknown,
  ) {
    super(`cannot use peer key file ${file}: ${reason}`, {
      code,
      details:
        code === 'NET_PEER_KEY_INSECURE'
          ? `run chmod 600 ${file}`
          : 'move the file away to create a new identity (the peer id changes: re-register it on chain)',
      meta: { file },
      cause,
    });
  }
}

/** Codes of a rejected peer binding. */
export type PeerBindingErrorCode =
  | 'NET_PEER_BINDING_MALFORMED'
  | 'NET_PEER_BINDING_BAD_SIGNATURE'
  | 'NET_PEER_BINDING_MISMATCH';

export class PeerBindingError extends BaseError<{ peerId?: string; address?: string }> {
  override name = 'PeerBindingError';
  constructor(code: PeerBindingErrorCode, reason: string, meta: { peerId?: string; address?: string } = {}) {
    super(`peer binding rejected: ${reason}`, {
      code,
      details: 'the peer id is not proven to belong to that chain address; ignore the peer',
      meta,
    });
  }
}

/** Codes of a rejected offer. */
export type OfferErrorCode =
  | 'NET_OFFER_OVERSIZE'
  | 'NET_OFFER_MALFORMED'
  | 'NET_OFFER_WRONG_CHAIN'
  | 'NET_OFFER_EXPIRED'
  | 'NET_OFFER_NOT_YET_VALID'
  | 'NET_OFFER_STALE'
  | 'NET_OFFER_BAD_SIGNATURE'
  | 'NET_OFFER_BAD_BINDING'
  | 'NET_OFFER_WRONG_SENDER'
  | 'NET_OFFER_PROVIDER_UNREGISTERED'
  | 'NET_OFFER_PROVIDER_UNSTAKED'
  | 'NET_OFFER_PROVIDER_JAILED'
  | 'NET_OFFER_PRICE_MISMATCH'
  | 'NET_OFFER_PEER_MISMATCH'
  | 'NET_OFFER_CHECK_FAILED'
  | 'NET_OFFER_DIRECTORY_FULL';

export class OfferError extends BaseError<{ provider?: string }> {
  override name = 'OfferError';
  constructor(code: OfferErrorCode, reason: string, meta: { provider?: string } = {}, cause?: unknown) {
    super(`offer rejected: ${reason}`, {
      code,
      details: 'the offer was dropped; the provider publishes a fresh one every minute',
      meta,
      cause,
    });
  }
}

/**
 * Codes of a session message that does not decode (a refusal is an answer, not an error). The messages
 * ride in the tunnel handshake: its timeouts, aborts and transport failures are `TUNNEL_HANDSHAKE_*`.
 */
export type SessionErrorCode = 'NET_SESSION_MALFORMED';

export class SessionError extends BaseError<{ peer?: string }> {
  override name = 'SessionError';
  constructor(code: SessionErrorCode, reason: string, meta: { peer?: string } = {}, cause?: unknown) {
    super(`session message rejected: ${reason}`, {
      code,
      details: 'the peer speaks a different or broken protocol; try the next provider',
      meta,
      cause,
    });
  }
}

export class NodeStartError extends BaseError<{ listen: string[] }> {
  override name = 'NodeStartError';
  constructor(reason: string, listen: string[], cause?: unknown) {
    super(`the libp2p node did not start: ${reason}`, {
      code: 'NET_NODE_START_FAILED',
      details: 'check the listen addresses (a port may be in use) and the bootstrap multiaddrs',
      meta: { listen },
      cause,
    });
  }
}

/** Codes of a relay reservation that failed (docs/nat.md). */
export type ReservationErrorCode = 'NET_RESERVATION_MALFORMED' | 'NET_RESERVATION_REFUSED';

export class ReservationError extends BaseError<{ provider?: string }> {
  override name = 'ReservationError';
  /** What the relay answers the provider (message 2): the reason alone. */
  readonly reason: string;
  constructor(code: ReservationErrorCode, reason: string, meta: { provider?: string } = {}) {
    super(`relay reservation: ${reason}`, {
      code,
      details:
        code === 'NET_RESERVATION_MALFORMED'
          ? 'the peer speaks a different or broken protocol; pick another relay'
          : 'check that the provider is registered with stake and its clock is right, or pick another relay',
      meta,
    });
    this.reason = reason;
  }
}

/** Codes of a bridge line that is refused (docs/transports.md, "Bridges: transports not in the offer"). */
export type BridgeErrorCode =
  | 'NET_BRIDGE_MALFORMED'
  | 'NET_BRIDGE_WRONG_CHAIN'
  | 'NET_BRIDGE_EXPIRED'
  | 'NET_BRIDGE_BAD_SIGNATURE';

export class BridgeError extends BaseError<{ provider?: string }> {
  override name = 'BridgeError';
  constructor(code: BridgeErrorCode, reason: string, meta: { provider?: string } = {}, cause?: unknown) {
    super(`bridge line refused: ${reason}`, {
      code,
      details: 'ask the bridge operator for a current line (`bandex node --bridge` writes it to bridge.txt)',
      meta,
      cause,
    });
  }
}
