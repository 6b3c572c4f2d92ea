/**
 * Every limit of the data plane, with the reason for its value. Wire-visible numbers
 * (record and frame sizes, frame types) are part of the protocol in `docs/tunnel.md`;
 * changing one is a protocol version change.
 */

/** Noise protocol name hashed into the initial chaining key (Noise spec §5.2). */
export const NOISE_PROTOCOL_NAME = 'Noise_IK_25519_ChaChaPoly_SHA256';
/** Prologue mixed into the handshake hash: binds the handshake to this protocol version (3: session setup in the handshake's payloads). */
export const NOISE_PROLOGUE = 'bandex/tunnel/3';
/** X25519 public key and DH output length (RFC 7748). */
export const DH_LEN = 32;
/** SHA-256 output length (Noise HASHLEN). */
export const HASH_LEN = 32;
/** ChaCha20-Poly1305 tag length (RFC 8439). */
export const TAG_LEN = 16;
/** Handshake messages are framed with a 2-byte length; Noise caps messages at 65535 bytes (spec §3). */
export const MAX_HANDSHAKE_MESSAGE = 65_535;
/**
 * Largest handshake payload, in bytes: a session proposal (about 700 bytes of JSON) in message 1, the
 * provider's answer (about 800 with a claim) in message 2. Anything larger is no Bandex peer; the cap
 * bounds what a provider buffers and decrypts for an unauthenticated connection.
 */
export const MAX_HANDSHAKE_PAYLOAD = 2_048;
/** A peer that does not finish the handshake in this time is dropped (slowloris guard). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Record header: 3-byte big-endian ciphertext length (authenticated as AEAD associated data). */
export const RECORD_HEADER_LEN = 3;
/**
 * Largest DATA payload: 64 KiB, the size of one libuv socket read, so a chunk read at the exit
 * travels as exactly one frame. Large frames amortise the per-record AEAD call and syscall cost
 * (the hot path of issue 8).
 */
export const MAX_FRAME_PAYLOAD = 65_536;
/** Mux frame header: type (1) + stream id (4). Payload length is the record length minus this. */
export const FRAME_HEADER_LEN = 5;
/** Largest plaintext per record: one full mux frame. */
export const MAX_RECORD_PLAINTEXT = MAX_FRAME_PAYLOAD + FRAME_HEADER_LEN;
/**
 * Records per key before both sides rekey (Noise spec §11.3 `REKEY`). Both sides count
 * records, so the rekey is implicit and in lockstep; the 64-bit nonce can never be exhausted.
 * 2^20 records × 64 KiB = 64 GiB per key.
 */
export const REKEY_AFTER_RECORDS = 1 << 20;

/**
 * Initial per-stream receive window (credit). 4 MiB: measured on loopback, 1 MiB stalled on
 * credit round trips (79 MB/s), 4 MiB reached 135 MB/s. Bounds what a slow stream can buffer.
 */
export const INITIAL_STREAM_WINDOW = 4 << 20;
/** Send a WINDOW_UPDATE once this many consumed bytes are unacknowledged (a quarter of the window: measured 135 vs 115 MB/s at half). */
export const WINDOW_UPDATE_THRESHOLD = INITIAL_STREAM_WINDOW / 4;
/** Largest window a peer may grant (guards against overflow from a hostile peer: 2^31 − 1 as HTTP/2). */
export const MAX_STREAM_WINDOW = 0x7fff_ffff;
/**
 * What a client may send on a stream before the exit has connected it (its *early data*: a TLS
 * ClientHello or an HTTP request fits many times over). A stream's client→provider credit is this
 * until OPEN_RESULT succeeds, then `INITIAL_STREAM_WINDOW`; so streams to a destination that never
 * accepts hold at most 64 KiB each (issue 14: 128 such streams held 558 MiB before).
 */
export const EARLY_DATA_WINDOW = 64 * 1024;
/**
 * Session window an unpaid tunnel (tests, the bench's unpaid path) grants: what its client may have
 * in flight over all streams. A paid provider grants against payment instead (`session/chargeSession`).
 */
export const DEFAULT_SESSION_RECEIVE_WINDOW = 16 * 1024 * 1024;
/**
 * Concurrent streams per session; a peer opening more gets its OPEN refused (memory bound per session).
 * 256: a browser keeps a few dozen connections; each stream costs a `MuxStream` and a socket.
 */
export const MAX_STREAMS_PER_SESSION = 256;
/** OPENs of one session being connected at once (each a pending TCP connect at the exit); more are refused. */
export const MAX_CONNECTING_PER_SESSION = 64;
/** Stream ids are 32-bit; the client opens odd ids. */
export const MAX_STREAM_ID = 0xffff_ffff;
/** An OPEN whose destination is not answered within this time fails with TTL expired (SOCKS 0x06). */
export const OPEN_TIMEOUT_MS = 15_000;
/** Host names are at most 255 bytes (RFC 1035 and the SOCKS5 domain field). */
export const MAX_HOST_LEN = 255;

/** Mux frame types (wire values). */
export const FrameType = {
  open: 1,
  openResult: 2,
  data: 3,
  windowUpdate: 4,
  close: 5,
  reset: 6,
  /** Stream id 0; payload = one payment message (`src/accounting/messages.ts`), either direction. */
  payment: 7,
  /** Stream id 0; payload = 8 opaque bytes the peer echoes in a PONG (liveness and round trip). */
  ping: 8,
  pong: 9,
  /** A UDP flow's id (opened by an OPEN of kind UDP); payload = one whole datagram, 0…`MAX_DATAGRAM_PAYLOAD` bytes. */
  datagram: 10,
  /**
   * Stream id 0, provider → client only; payload = a send back-pressure report (`encodeReport`): sent right
   * after the PONG of a PING whose first byte has `PING_REPORT_FLAG` set. Never sent unasked, so a client
   * that does not know this type never sees one.
   */
  report: 11,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/**
 * OPEN kinds: connect to a destination (exit), relay to the next hop's tunnel port (multi-hop), or open a
 * UDP flow to a destination (exit; DATAGRAM frames then carry it).
 */
export const OpenKind = { connect: 1, relay: 2, udp: 3 } as const;
export type OpenKind = (typeof OpenKind)[keyof typeof OpenKind];

/**
 * Bit of a PING payload's first byte by which the client asks the provider for a REPORT (its send
 * back-pressure toward the client, for throttling detection). Clients that predate it count their PING ids
 * up from 0, so the bit is never set by them; providers that predate it echo it in the PONG and send nothing
 * else. Both directions of old and new peers therefore keep working.
 */
export const PING_REPORT_FLAG = 0x80;
/** REPORT payload: `atMs(4) ‖ sentBytes(8) ‖ pendingBytes(4)`; longer payloads are accepted (later fields ignored). */
export const REPORT_PAYLOAD_LEN = 16;

/** Largest PAYMENT frame payload: a voucher message is 194 bytes; anything bigger is not a payment. */
export const MAX_PAYMENT_PAYLOAD = 1_024;

/** Default bytes per `delivered` meter event: 64 KiB, the payment tick unit of the brief. */
export const DEFAULT_METER_TICK_BYTES = 64 * 1024;
/** Most hops in a path (brief: 1 to 3 providers). */
export const MAX_HOPS = 3;

/** SOCKS5 / HTTP request heads larger than this are refused (no legitimate request needs more). */
export const MAX_PROXY_REQUEST_HEAD = 16 * 1024;
/** A proxy client that does not finish its request in this time is dropped. */
export const PROXY_REQUEST_TIMEOUT_MS = 10_000;

/** SOCKS5 reply codes (RFC 1928 §6); OPEN_RESULT carries the same codes. */
export const SocksReply = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowedByRuleset: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;
export type SocksReply = (typeof SocksReply)[keyof typeof SocksReply];

/**
 * OPEN_RESULT codes beyond SOCKS5's (RFC 1928 leaves 0x09–0xFF unassigned). `notAnExit`: the provider
 * is relay-only; it opens no connection or flow to a destination (only RELAY). A SOCKS front answers it
 * as 0x02 (not allowed by ruleset).
 */
export const OpenReply = { notAnExit: 0x10 } as const;

/**
 * Largest datagram a UDP flow carries: 65,507 bytes, the largest UDP payload over IPv4 (65,535 − 8 − 20).
 * It fits one mux frame; a DATAGRAM frame with more is a protocol error.
 */
export const MAX_DATAGRAM_PAYLOAD = 65_507;
/**
 * UDP flows one session holds at once (each a UDP socket at the exit); further flow OPENs get 0x01 and the
 * session goes on. 64: a resolver, a few QUIC connections and a call need a handful each.
 */
export const MAX_FLOWS_PER_SESSION = 64;
/** UDP flows one provider process holds over all its sessions (file descriptors); more are refused with 0x01. */
export const MAX_FLOWS_PER_PROCESS = 4_096;
/**
 * Datagrams one flow may hold queued (waiting for its OPEN_RESULT, or for channel room); more are dropped,
 * as a congested router drops: UDP promises no delivery, so nothing is buffered without limit.
 */
export const FLOW_QUEUE_DATAGRAMS = 64;
/**
 * Datagram bytes one session may hold queued for channel room over all its flows; more are dropped. Twice
 * the socket high-water mark: a back-pressured channel drains that much in one go.
 */
export const SESSION_DATAGRAM_QUEUE_BYTES = 512 * 1024;
/**
 * A flow that carried nothing either way for this long is closed (CLOSE), by whichever side notices first:
 * RFC 4787 REQ-5 asks NATs to keep an idle UDP mapping at least 2 minutes.
 */
export const FLOW_IDLE_TIMEOUT_MS = 120_000;
/** Bytes an exit lets wait in one flow's UDP socket send queue; more are dropped (the kernel is not keeping up). */
export const EXIT_UDP_SEND_QUEUE_BYTES = 256 * 1024;
/** Flows one SOCKS5 UDP ASSOCIATE may have open (one per destination it sends to); datagrams to more are dropped. */
export const MAX_FLOWS_PER_ASSOCIATION = 32;

/**
 * Write buffer (high-water mark) of every TCP socket and of the secure channel's send side.
 * Node's default of 16 KiB is below one 64 KiB record, which would turn every record into a
 * write → drain round trip; 256 KiB keeps several records in flight (measured: 2.5× faster).
 */
export const SOCKET_HIGH_WATER_MARK = 256 * 1024;
