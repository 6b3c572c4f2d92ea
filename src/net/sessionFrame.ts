/**
 * Framing of `/bandex/session/2`: each side sends exactly one message, a 4-byte
 * big-endian length followed by that many bytes of UTF-8 JSON, then closes its
 * writable end. A reader reads until the remote closes and demands exactly one
 * complete frame: short, long, oversize or trailing bytes are errors.
 */
import type { Stream } from '@libp2p/interface';
import { MAX_SESSION_MESSAGE_BYTES, SESSION_FRAME_HEADER_BYTES } from './constants.ts';
import { SessionError } from './errors.ts';

/** Prefixes `body` with its length. */
export function encodeFrame(body: Uint8Array): Uint8Array {
  if (body.byteLength > MAX_SESSION_MESSAGE_BYTES) {
    throw new SessionError(
      'NET_SESSION_OVERSIZE',
      `message of ${body.byteLength} bytes, at most ${MAX_SESSION_MESSAGE_BYTES}`,
    );
  }
  const frame = new Uint8Array(SESSION_FRAME_HEADER_BYTES + body.byteLength);
  new DataView(frame.buffer).setUint32(0, body.byteLength);
  frame.set(body, SESSION_FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Checks the bytes received so far. Returns the body once `bytes` is exactly one frame
 * and `complete` (the remote closed); throws as soon as the bytes cannot become a valid frame.
 */
export function decodeFrame(bytes: Uint8Array, complete: boolean): Uint8Array | undefined {
  if (bytes.byteLength >= SESSION_FRAME_HEADER_BYTES) {
    const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
    if (length > MAX_SESSION_MESSAGE_BYTES) {
      throw new SessionError('NET_SESSION_OVERSIZE', `announced ${length} bytes, at most ${MAX_SESSION_MESSAGE_BYTES}`);
    }
    const total = SESSION_FRAME_HEADER_BYTES + length;
    if (bytes.byteLength > total) throw new SessionError('NET_SESSION_MALFORMED', 'bytes after the message');
    if (bytes.byteLength === total) return complete ? bytes.subarray(SESSION_FRAME_HEADER_BYTES) : undefined;
  }
  if (complete) throw new SessionError('NET_SESSION_MALFORMED', 'the stream ended inside a message');
  return undefined;
}

/** Sends one frame and closes the writable end (respecting back-pressure). */
export async function writeSessionFrame(stream: Stream, body: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(encodeFrame(body))) await stream.onDrain({ signal });
  await stream.close({ signal });
}

/** Reads the remote's one frame, until it closes its writable end. */
export async function readSessionFrame(stream: Stream, signal: AbortSignal): Promise<Uint8Array> {
  const onAbort = () => stream.abort(abortError(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    signal.throwIfAborted();
    let received = new Uint8Array(0);
    for await (const chunk of stream) {
      const bytes = chunk.subarray();
      const next = new Uint8Array(received.byteLength + bytes.byteLength);
      next.set(received);
      next.set(bytes, received.byteLength);
      received = next;
      decodeFrame(received, false);
    }
    if (signal.aborted) throw abortError(signal);
    const body = decodeFrame(received, true);
    if (!body) throw new SessionError('NET_SESSION_MALFORMED', 'no message');
    return body;
  } catch (cause) {
    if (cause instanceof SessionError) throw cause;
    if (signal.aborted) throw abortError(signal);
    throw new SessionError('NET_SESSION_STREAM', 'the stream failed', {}, cause);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** The typed error for an aborted negotiation: a timeout, or the caller's own abort. */
export function abortError(signal: AbortSignal): SessionError {
  const reason = signal.reason as Error | undefined;
  return reason?.name === 'TimeoutError'
    ? new SessionError('NET_SESSION_TIMEOUT', 'the peer did not answer in time', {}, reason)
    : new SessionError('NET_SESSION_ABORTED', 'the negotiation was aborted', {}, reason);
}
