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
 * Payloads are empty in Bandex. No I/O here: `SecureChannel` frames and sends the messages.
 */

import type { CipherState } from './CipherState.ts';
import { DH_LEN, NOISE_PROLOGUE, NOISE_PROTOCOL_NAME, TAG_LEN } from './constants.ts';
import { HandshakeError } from './errors.ts';
import { SymmetricState } from './SymmetricState.ts';
import { dh, generateStaticKeyPair, type StaticKeyPair } from './x25519.ts';

/** Transport keys after a completed handshake. */
export type NoiseResult = { send: CipherState; receive: CipherState; remoteStatic: Buffer; handshakeHash: Buffer };

function initialState(responderStatic: Buffer): SymmetricState {
  const state = new SymmetricState(NOISE_PROTOCOL_NAME);
  state.mixHash(Buffer.from(NOISE_PROLOGUE));
  state.mixHash(responderStatic);
  return state;
}

/** Initiator step 1: builds `-> e, es, s, ss`; returns the message and the continuation for message 2. */
export function initiatorStart(
  local: StaticKeyPair,
  responderStatic: Buffer,
  ephemeral: StaticKeyPair = generateStaticKeyPair(),
): { message: Buffer; finish: (message2: Buffer) => NoiseResult } {
  const state = initialState(responderStatic);
  state.mixHash(ephemeral.publicKey);
  state.mixKey(dh(ephemeral.privateKey, responderStatic));
  const encryptedStatic = state.encryptAndHash(local.publicKey);
  state.mixKey(dh(local.privateKey, responderStatic));
  const payload = state.encryptAndHash(Buffer.alloc(0));
  const message = Buffer.concat([ephemeral.publicKey, encryptedStatic, payload]);
  const finish = (message2: Buffer): NoiseResult => {
    if (message2.length !== DH_LEN + TAG_LEN) {
      throw new HandshakeError('Malformed handshake response', { code: 'TUNNEL_HANDSHAKE_MALFORMED' });
    }
    const re = message2.subarray(0, DH_LEN);
    state.mixHash(re);
    state.mixKey(dh(ephemeral.privateKey, re));
    state.mixKey(dh(local.privateKey, re));
    decryptOrFail(state, message2.subarray(DH_LEN));
    const [send, receive] = state.split();
    return { send, receive, remoteStatic: responderStatic, handshakeHash: state.h };
  };
  return { message, finish };
}

/** Responder: reads `-> e, es, s, ss`, returns `<- e, ee, se` and the transport keys. */
export function responderRespond(
  local: StaticKeyPair,
  message1: Buffer,
  ephemeral: StaticKeyPair = generateStaticKeyPair(),
): { message: Buffer; result: NoiseResult } {
  if (message1.length !== DH_LEN + DH_LEN + TAG_LEN + TAG_LEN) {
    throw new HandshakeError('Malformed handshake message', { code: 'TUNNEL_HANDSHAKE_MALFORMED' });
  }
  const state = initialState(local.publicKey);
  const re = message1.subarray(0, DH_LEN);
  state.mixHash(re);
  state.mixKey(dh(local.privateKey, re));
  const rs = decryptOrFail(state, message1.subarray(DH_LEN, DH_LEN * 2 + TAG_LEN));
  state.mixKey(dh(local.privateKey, rs));
  decryptOrFail(state, message1.subarray(DH_LEN * 2 + TAG_LEN));
  state.mixHash(ephemeral.publicKey);
  state.mixKey(dh(ephemeral.privateKey, re));
  state.mixKey(dh(ephemeral.privateKey, rs));
  const payload = state.encryptAndHash(Buffer.alloc(0));
  const [receive, send] = state.split();
  return {
    message: Buffer.concat([ephemeral.publicKey, payload]),
    result: { send, receive, remoteStatic: Buffer.from(rs), handshakeHash: state.h },
  };
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
