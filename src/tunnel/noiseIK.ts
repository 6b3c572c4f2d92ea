/**
 * Noise_IK_25519_ChaChaPoly_SHA256 (Noise spec rev. 34, §7.5), as pure message functions:
 *
 *     <- s
 *     ...
 *     -> e, es, s, ss
 *     <- e, ee, se
 *
 * The initiator (client) knows the responder's (provider's) static key from its offer.
 * Both statics are authenticated; transport keys depend on both ephemerals (forward secrecy).
 * Each message may carry a payload (at most `MAX_HANDSHAKE_PAYLOAD` bytes): a paid hop's session
 * proposal rides in the first (encrypted to the responder's static key after `es` and `ss`, so a
 * relaying hop reads nothing), the provider's answer in the second (readable by the initiator only).
 * The prologue is `NOISE_PROLOGUE`, followed by the caller's `prologue` bytes when given (a TLS exporter that
 * binds the handshake to the connection it runs on). No I/O here: `SecureChannel` frames and sends the messages.
 */

import type { CipherState } from './CipherState.ts';
import { DH_LEN, MAX_HANDSHAKE_PAYLOAD, NOISE_PROLOGUE, NOISE_PROTOCOL_NAME, TAG_LEN } from './constants.ts';
import { HandshakeError } from './errors.ts';
import { SymmetricState } from './SymmetricState.ts';
import { dh, generateStaticKeyPair, type StaticKeyPair } from './x25519.ts';

/** Transport keys after a completed handshake, and the payload of the peer's handshake message. */
export type NoiseResult = {
  send: CipherState;
  receive: CipherState;
  remoteStatic: Buffer;
  handshakeHash: Buffer;
  /** The initiator: the responder's answer (message 2's payload); the responder: empty. */
  payload: Buffer;
};

/** Smallest message 1 (`e`, encrypted `s`, empty payload's tag) and message 2 (`e`, empty payload's tag). */
export const MIN_MESSAGE1 = DH_LEN + DH_LEN + TAG_LEN + TAG_LEN;
export const MIN_MESSAGE2 = DH_LEN + TAG_LEN;

function checkPayload(payload: Buffer): void {
  if (payload.length > MAX_HANDSHAKE_PAYLOAD) {
    throw new HandshakeError('Handshake payload too large', {
      code: 'TUNNEL_HANDSHAKE_MALFORMED',
      meta: { length: payload.length, max: MAX_HANDSHAKE_PAYLOAD },
    });
  }
}

/**
 * The handshake's prologue (Noise spec §6): the protocol's version, then `extra` (empty unless the channel is
 * bound to the connection under it: a TLS exporter, `docs/tunnel.md` §1). Both ends must mix the same bytes or
 * message 1 fails its tag.
 */
function initialState(responderStatic: Buffer, extra: Buffer): SymmetricState {
  const state = new SymmetricState(NOISE_PROTOCOL_NAME);
  state.mixHash(extra.length > 0 ? Buffer.concat([Buffer.from(NOISE_PROLOGUE), extra]) : Buffer.from(NOISE_PROLOGUE));
  state.mixHash(responderStatic);
  return state;
}

/** Initiator step 1: builds `-> e, es, s, ss`; returns the message and the continuation for message 2. */
export function initiatorStart(
  local: StaticKeyPair,
  responderStatic: Buffer,
  ephemeral: StaticKeyPair = generateStaticKeyPair(),
  payload1: Buffer = Buffer.alloc(0),
  prologue: Buffer = Buffer.alloc(0),
): { message: Buffer; finish: (message2: Buffer) => NoiseResult } {
  checkPayload(payload1);
  const state = initialState(responderStatic, prologue);
  state.mixHash(ephemeral.publicKey);
  state.mixKey(dh(ephemeral.privateKey, responderStatic));
  const encryptedStatic = state.encryptAndHash(local.publicKey);
  state.mixKey(dh(local.privateKey, responderStatic));
  const payload = state.encryptAndHash(payload1);
  const message = Buffer.concat([ephemeral.publicKey, encryptedStatic, payload]);
  const finish = (message2: Buffer): NoiseResult => {
    if (message2.length < MIN_MESSAGE2 || message2.length > MIN_MESSAGE2 + MAX_HANDSHAKE_PAYLOAD) {
      throw new HandshakeError('Malformed handshake response', { code: 'TUNNEL_HANDSHAKE_MALFORMED' });
    }
    const re = message2.subarray(0, DH_LEN);
    state.mixHash(re);
    state.mixKey(dh(ephemeral.privateKey, re));
    state.mixKey(dh(local.privateKey, re));
    const answer = decryptOrFail(state, message2.subarray(DH_LEN));
    const [send, receive] = state.split();
    return { send, receive, remoteStatic: responderStatic, handshakeHash: state.h, payload: Buffer.from(answer) };
  };
  return { message, finish };
}

/**
 * Responder step 1: reads `-> e, es, s, ss`; returns the initiator's authenticated static key, message 1's
 * payload, and `respond`, which builds `<- e, ee, se` carrying `payload2` and the transport keys.
 */
export function responderRead(
  local: StaticKeyPair,
  message1: Buffer,
  prologue: Buffer = Buffer.alloc(0),
): {
  remoteStatic: Buffer;
  payload: Buffer;
  respond: (payload2?: Buffer, ephemeral?: StaticKeyPair) => { message: Buffer; result: NoiseResult };
} {
  if (message1.length < MIN_MESSAGE1 || message1.length > MIN_MESSAGE1 + MAX_HANDSHAKE_PAYLOAD) {
    throw new HandshakeError('Malformed handshake message', { code: 'TUNNEL_HANDSHAKE_MALFORMED' });
  }
  const state = initialState(local.publicKey, prologue);
  const re = message1.subarray(0, DH_LEN);
  state.mixHash(re);
  state.mixKey(dh(local.privateKey, re));
  const rs = decryptOrFail(state, message1.subarray(DH_LEN, DH_LEN * 2 + TAG_LEN));
  state.mixKey(dh(local.privateKey, rs));
  const payload = Buffer.from(decryptOrFail(state, message1.subarray(DH_LEN * 2 + TAG_LEN)));
  const remoteStatic = Buffer.from(rs);
  let responded = false;
  const respond = (payload2: Buffer = Buffer.alloc(0), ephemeral: StaticKeyPair = generateStaticKeyPair()) => {
    if (responded) throw new HandshakeError('Handshake already answered', { code: 'TUNNEL_HANDSHAKE_FAILED' });
    responded = true;
    checkPayload(payload2);
    state.mixHash(ephemeral.publicKey);
    state.mixKey(dh(ephemeral.privateKey, re));
    state.mixKey(dh(ephemeral.privateKey, rs));
    const encrypted = state.encryptAndHash(payload2);
    const [receive, send] = state.split();
    return {
      message: Buffer.concat([ephemeral.publicKey, encrypted]),
      result: { send, receive, remoteStatic, handshakeHash: state.h, payload: Buffer.alloc(0) },
    };
  };
  return { remoteStatic, payload, respond };
}

/** Responder in one step, with empty payloads: reads `-> e, es, s, ss`, returns `<- e, ee, se` and the keys. */
export function responderRespond(
  local: StaticKeyPair,
  message1: Buffer,
  ephemeral: StaticKeyPair = generateStaticKeyPair(),
): { message: Buffer; result: NoiseResult } {
  return responderRead(local, message1).respond(Buffer.alloc(0), ephemeral);
}

function decryptOrFail(state: SymmetricState, ciphertext: Buffer): Buffer {
  try {
    return state.decryptAndHash(ciphertext);
  } catch (cause) {
    throw new HandshakeError('Handshake authentication failed', {
      code: 'TUNNEL_HANDSHAKE_FAILED',
      details: 'wrong provider key, or not a Bandex tunnel',
      cause,
    });
  }
}
