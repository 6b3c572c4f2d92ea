/**
 * The provider side of `/bandex/session/2`: reads one proposal, runs the injected
 * `checkProposal` (the on-chain channel check), answers accept or refuse. Runs on
 * relayed (limited) connections too, so a provider behind NAT can be negotiated with
 * through a circuit relay. Malformed or oversize input resets the stream; a slow
 * peer is cut at `SESSION_HANDLER_TIMEOUT_MS`. Nothing here throws into libp2p.
 */
import type { Connection, Stream } from '@libp2p/interface';
import { type Address, type Hex, isAddressEqual } from 'viem';
import type { Logger } from '../log/logger.ts';
import { silentLogger } from '../log/logger.ts';
import {
  CHECK_PROPOSAL_TIMEOUT_MS,
  MAX_INBOUND_SESSION_STREAMS,
  MAX_OUTBOUND_SESSION_STREAMS,
  MAX_REFUSAL_REASON_LENGTH,
  SESSION_HANDLER_TIMEOUT_MS,
  SESSION_PROTOCOL,
} from './constants.ts';
import type { BandexNode } from './createBandexNode.ts';
import { SessionError } from './errors.ts';
import { readSessionFrame, writeSessionFrame } from './sessionFrame.ts';
import {
  type ChannelDebt,
  checkTunnel,
  decodeProposal,
  encodeAnswer,
  REFUSAL_CODE,
  type SessionAnswer,
  type SessionProposal,
  type SessionTunnel,
} from './sessionMessages.ts';

/** Refusal codes the server itself sends; `checkProposal` may use these or its own. */
export const SessionRefusal = {
  /** The proposal is for another chain than the provider's. */
  WrongChain: 'WRONG_CHAIN',
  /** The proposal names another PaymentChannels contract than the provider's. */
  WrongContract: 'WRONG_CONTRACT',
  /** `checkProposal` did not answer within `CHECK_PROPOSAL_TIMEOUT_MS`. */
  CheckTimeout: 'CHECK_TIMEOUT',
  /** `checkProposal` threw or returned something invalid. */
  Internal: 'INTERNAL_ERROR',
} as const;

export type CheckProposalResult =
  | { ok: true; sessionId: Hex; tunnel: SessionTunnel; channel: ChannelDebt }
  | { ok: false; reason: string; code: string };

export type CheckProposalContext = {
  /** The Noise-authenticated peer id of the proposing client. */
  remotePeer: string;
  /** True when the proposal arrived through a circuit relay. */
  relayed: boolean;
  signal: AbortSignal;
};

export type CheckProposal = (proposal: SessionProposal, context: CheckProposalContext) => Promise<CheckProposalResult>;

export type SessionServerParameters = {
  node: BandexNode;
  /** The chain the provider settles on; other chains are refused before `checkProposal`. */
  chainId: number;
  /** The PaymentChannels contract the provider accepts; when set, others are refused before `checkProposal`. */
  channels?: Address;
  checkProposal: CheckProposal;
  logger?: Logger;
  /** Overrides `SESSION_HANDLER_TIMEOUT_MS` (tests). */
  timeoutMs?: number;
  /** Overrides `CHECK_PROPOSAL_TIMEOUT_MS` (tests). */
  checkTimeoutMs?: number;
};

/**
 * @example
 * const server = new SessionServer({ node, chainId, checkProposal: async (p, { signal }) => ... })
 * await server.start()
 * // ...
 * await server.stop()
 */
export class SessionServer {
  readonly #params: SessionServerParameters;
  readonly #log: Logger;
  readonly #inFlight = new Set<AbortController>();
  #started = false;

  constructor(params: SessionServerParameters) {
    this.#params = params;
    this.#log = (params.logger ?? silentLogger).child({ module: 'session-server' });
  }

  async start(): Promise<void> {
    if (this.#started) return;
    await this.#params.node.handle(SESSION_PROTOCOL, (stream, connection) => this.#handle(stream, connection), {
      maxInboundStreams: MAX_INBOUND_SESSION_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_SESSION_STREAMS,
      runOnLimitedConnection: true,
    });
    this.#started = true;
  }

  /** Stops accepting proposals and aborts negotiations in flight. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    for (const controller of this.#inFlight) controller.abort(new Error('session server stopped'));
    await this.#params.node.unhandle(SESSION_PROTOCOL);
  }

  async #handle(stream: Stream, connection: Connection): Promise<void> {
    const remotePeer = connection.remotePeer.toString();
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const signal = AbortSignal.any([
      controller.signal,
      AbortSignal.timeout(this.#params.timeoutMs ?? SESSION_HANDLER_TIMEOUT_MS),
    ]);
    try {
      const proposal = decodeProposal(await readSessionFrame(stream, signal));
      const answer = await this.#answer(proposal, { remotePeer, relayed: connection.limits !== undefined, signal });
      await writeSessionFrame(stream, encodeAnswer(answer), signal);
      this.#log.info(
        { remotePeer, channelId: proposal.channelId, accepted: answer.ok, code: answer.ok ? undefined : answer.code },
        answer.ok ? 'session accepted' : 'session refused',
      );
    } catch (error) {
      const code = error instanceof SessionError ? error.code : 'NET_SESSION_STREAM';
      this.#log.warn({ remotePeer, code, err: error }, 'session negotiation failed; stream reset');
      stream.abort(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.#inFlight.delete(controller);
    }
  }

  async #answer(proposal: SessionProposal, context: CheckProposalContext): Promise<SessionAnswer> {
    const nonce = proposal.sessionNonce;
    const refuse = (code: string, reason: string): SessionAnswer => ({
      ok: false,
      sessionNonce: nonce,
      code,
      reason: reason.slice(0, MAX_REFUSAL_REASON_LENGTH),
    });
    if (proposal.chainId !== this.#params.chainId) {
      return refuse(SessionRefusal.WrongChain, `this provider settles on chain ${this.#params.chainId}`);
    }
    if (this.#params.channels && !isAddressEqual(this.#params.channels, proposal.channels)) {
      return refuse(SessionRefusal.WrongContract, `this provider is paid through ${this.#params.channels}`);
    }
    const checkSignal = AbortSignal.any([
      context.signal,
      AbortSignal.timeout(this.#params.checkTimeoutMs ?? CHECK_PROPOSAL_TIMEOUT_MS),
    ]);
    let result: CheckProposalResult;
    try {
      result = await raceAbort(this.#params.checkProposal(proposal, { ...context, signal: checkSignal }), checkSignal);
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (checkSignal.aborted) return refuse(SessionRefusal.CheckTimeout, 'the channel check timed out; retry later');
      this.#log.error({ err: error }, 'checkProposal threw');
      return refuse(SessionRefusal.Internal, 'the provider could not check the proposal');
    }
    if (!result.ok) {
      const code = REFUSAL_CODE.test(result.code) ? result.code : SessionRefusal.Internal;
      return refuse(code, String(result.reason));
    }
    try {
      return {
        ok: true,
        sessionNonce: nonce,
        sessionId: result.sessionId,
        tunnel: checkTunnel(result.tunnel),
        channel: result.channel,
      };
    } catch (error) {
      this.#log.error({ err: error }, 'checkProposal returned an invalid tunnel');
      return refuse(SessionRefusal.Internal, 'the provider has no usable tunnel endpoint');
    }
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
