/**
 * The client side of `/bandex/session/2`: opens a stream to the provider (directly or
 * through a circuit relay), sends one proposal and reads one answer. A refusal is a
 * normal return value; protocol failures throw `SessionError`.
 */
import { randomBytes } from 'node:crypto';
import type { PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { Hex } from 'viem';
import { SESSION_NEGOTIATION_TIMEOUT_MS, SESSION_PROTOCOL } from './constants.ts';
import type { BandexNode } from './createBandexNode.ts';
import { SessionError } from './errors.ts';
import { abortError, readSessionFrame, writeSessionFrame } from './sessionFrame.ts';
import { decodeAnswer, encodeProposal, type SessionAnswer, type SessionProposal } from './sessionMessages.ts';

export type ProposeSessionOptions = {
  signal?: AbortSignal;
  /** Overrides `SESSION_NEGOTIATION_TIMEOUT_MS`. */
  timeoutMs?: number;
};

/** A fresh 32-byte session nonce. */
export function newSessionNonce(): Hex {
  return `0x${randomBytes(32).toString('hex')}`;
}

/**
 * @throws {SessionError} `NET_SESSION_TIMEOUT`, `NET_SESSION_ABORTED`, `NET_SESSION_STREAM`
 *   (dial or stream failure), `NET_SESSION_MALFORMED`, `NET_SESSION_OVERSIZE`, `NET_SESSION_NONCE_MISMATCH`.
 * @example
 * const answer = await proposeSession(node, providerPeerId, { ...proposal, sessionNonce: newSessionNonce() }, { signal })
 * if (answer.ok) openTunnel(answer.tunnel) else log.warn(answer.code, answer.reason)
 */
export async function proposeSession(
  node: BandexNode,
  peer: PeerId | Multiaddr | Multiaddr[],
  proposal: SessionProposal,
  { signal: outer, timeoutMs = SESSION_NEGOTIATION_TIMEOUT_MS }: ProposeSessionOptions = {},
): Promise<SessionAnswer> {
  const body = encodeProposal(proposal);
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(outer ? [outer] : [])]);
  const meta = { peer: peerLabel(peer) };
  let stream: Awaited<ReturnType<BandexNode['dialProtocol']>>;
  try {
    stream = await node.dialProtocol(peer, SESSION_PROTOCOL, { signal, runOnLimitedConnection: true });
  } catch (cause) {
    if (signal.aborted) throw abortError(signal);
    throw new SessionError('NET_SESSION_STREAM', 'cannot open a session stream to the provider', meta, cause);
  }
  try {
    await writeSessionFrame(stream, body, signal);
    const answer = decodeAnswer(await readSessionFrame(stream, signal));
    if (answer.sessionNonce !== proposal.sessionNonce.toLowerCase()) {
      throw new SessionError('NET_SESSION_NONCE_MISMATCH', 'the answer is for another proposal', meta);
    }
    return answer;
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)));
    if (error instanceof SessionError) throw error;
    if (signal.aborted) throw abortError(signal);
    throw new SessionError('NET_SESSION_STREAM', 'the session stream failed', meta, error);
  }
}

function peerLabel(peer: PeerId | Multiaddr | Multiaddr[]): string {
  return Array.isArray(peer) ? peer.map(String).join(',') : peer.toString();
}
