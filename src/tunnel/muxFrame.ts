/**
 * Mux frame codec (pure). One frame per secure-channel record:
 * `type(1) ‖ streamId(4, BE) ‖ payload`. Payloads: OPEN `kind(1) ‖ port(2) ‖ hostLen(1) ‖ host`,
 * OPEN_RESULT `reply(1)`, DATA bytes, WINDOW_UPDATE `delta(4)`, CLOSE empty, RESET `reply(1)`,
 * PAYMENT (stream 0) one payment message, PING / PONG (stream 0) 8 bytes (the first byte's top bit asks
 * for a REPORT), DATAGRAM (a UDP flow's id) one whole datagram, REPORT (stream 0) the provider's send
 * back-pressure toward the client.
 */
import { FRAME_HEADER_LEN, FrameType, MAX_HOST_LEN, OpenKind, REPORT_PAYLOAD_LEN } from './constants.ts';
import { MuxError } from './errors.ts';

export type Destination = { host: string; port: number };
export type MuxFrame = { type: FrameType; streamId: number; payload: Buffer };

export function encodeFrameHeader(type: FrameType, streamId: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_LEN);
  header[0] = type;
  header.writeUInt32BE(streamId, 1);
  return header;
}

export function decodeFrame(record: Buffer): MuxFrame {
  if (record.length < FRAME_HEADER_LEN) throw malformed('frame shorter than its header');
  const type = record[0] as number;
  if (type < FrameType.open || type > FrameType.report) throw malformed('unknown frame type');
  return { type: type as FrameType, streamId: record.readUInt32BE(1), payload: record.subarray(FRAME_HEADER_LEN) };
}

export function encodeOpen(kind: OpenKind, { host, port }: Destination): Buffer {
  const hostBytes = Buffer.from(host, 'utf8');
  if (hostBytes.length === 0 || hostBytes.length > MAX_HOST_LEN) throw malformed('host length out of range');
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw malformed('port out of range');
  const out = Buffer.allocUnsafe(4 + hostBytes.length);
  out[0] = kind;
  out.writeUInt16BE(port, 1);
  out[3] = hostBytes.length;
  hostBytes.copy(out, 4);
  return out;
}

export function decodeOpen(payload: Buffer): { kind: OpenKind } & Destination {
  if (payload.length < 5) throw malformed('OPEN too short');
  const kind = payload[0];
  if (kind !== OpenKind.connect && kind !== OpenKind.relay && kind !== OpenKind.udp)
    throw malformed('unknown OPEN kind');
  const port = payload.readUInt16BE(1);
  const hostLength = payload[3] as number;
  if (port === 0 || hostLength === 0 || payload.length !== 4 + hostLength) throw malformed('bad OPEN destination');
  return { kind, port, host: payload.toString('utf8', 4) };
}

/**
 * A provider's send back-pressure toward the client at one moment, as its REPORT frame carries it (the
 * client's throttling detector reads it, `client/throttleDetector.ts`). Counters are cumulative over the
 * session, so a lost or late report loses nothing: rates come from any two reports.
 */
export type SendReport = {
  /** Milliseconds since the session started, on the provider's monotonic clock (wraps after 49 days). */
  atMs: number;
  /** Bytes this session has handed to the network toward the client (written to the kernel), cumulative. */
  sentBytes: number;
  /** Bytes waiting in the provider's send buffer for the network to take them, now. */
  pendingBytes: number;
};

export function encodeReport({ atMs, sentBytes, pendingBytes }: SendReport): Buffer {
  const out = Buffer.allocUnsafe(REPORT_PAYLOAD_LEN);
  out.writeUInt32BE(Math.trunc(atMs) >>> 0, 0);
  out.writeBigUInt64BE(BigInt(Math.max(0, Math.trunc(sentBytes))), 4);
  out.writeUInt32BE(Math.min(0xffff_ffff, Math.max(0, Math.trunc(pendingBytes))), 12);
  return out;
}

export function decodeReport(payload: Buffer): SendReport {
  if (payload.length < REPORT_PAYLOAD_LEN) throw malformed('REPORT too short');
  const sentBytes = payload.readBigUInt64BE(4);
  if (sentBytes > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('REPORT byte count out of range');
  return { atMs: payload.readUInt32BE(0), sentBytes: Number(sentBytes), pendingBytes: payload.readUInt32BE(12) };
}

function malformed(details: string): MuxError {
  return new MuxError('Malformed mux frame', { code: 'TUNNEL_MUX_PROTOCOL', details });
}
