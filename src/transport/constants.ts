/**
 * Limits of the transports under the tunnel (see `docs/transports.md`). Wire-visible numbers
 * are part of each transport's format; changing one changes the transport's version.
 */

/** The transports this node speaks, in the order a client tries them by default. */
export const TRANSPORT_NAMES = ['plain', 'obfs', 'wss', 'obfs4'] as const;

/** obfs: random salt opening each direction (Shadowsocks 2022 uses the key length). */
export const OBFS_SALT_LEN = 32;
/** obfs: pre-shared key length (AES-256). */
export const OBFS_PSK_LEN = 32;
/** obfs: AES-256-GCM tag (NIST SP 800-38D, full length). */
export const OBFS_TAG_LEN = 16;
/** obfs: header plaintext: payload length (3) ‖ padding length (2). */
export const OBFS_HEADER_LEN = 5;
/** obfs: the first client header also carries the sender's unix time in seconds (8), against replays. */
export const OBFS_FIRST_HEADER_LEN = 8 + OBFS_HEADER_LEN;
/**
 * obfs: largest unit length a receiver accepts in a masked length field (a tunnel record is at most 64 KiB;
 * anything above this is refused at the header, before a byte of its body is read).
 */
export const OBFS_MAX_PAYLOAD = 262_144;
/**
 * obfs: largest payload of a direction's first record, which carries the tunnel's handshake message alone (at
 * most ~1 KiB): a receiver holds the record whole before opening it, in place in the tunnel's receive area.
 */
export const OBFS_MAX_FIRST_PAYLOAD = 16_384;
/** obfs: after the first record, a masked length with this bit set announces padding, not a tunnel unit. */
export const OBFS_PADDING_FLAG = 0x80_00_00;
/** obfs: most padding per record (2-byte field). */
export const OBFS_MAX_PADDING = 65_535;
/** obfs: the first record of each direction is padded by a uniform 0..this many bytes: no fixed-size first packet. */
export const OBFS_FIRST_PADDING = 1_200;
/** obfs: records below this size are padded by a uniform 0..this-minus-size bytes: small records' lengths say nothing. */
export const OBFS_SMALL_RECORD = 1_024;
/** obfs: a client clock further than this from the server's is refused (and so is a replay older than it). */
export const OBFS_MAX_SKEW_S = 120;
/** obfs: salts remembered against replay (two skew windows); past this many, the oldest are forgotten early. */
export const OBFS_MAX_REMEMBERED_SALTS = 100_000;
/**
 * obfs: a connection that fails authentication is read until this many bytes (a per-key point in
 * [min, max), as obfs4 does) and then closed; one that sends less is closed by the idle timeout.
 * The close never comes at the point where authentication failed (a 61-byte boundary is a fingerprint).
 */
export const OBFS_PROBE_CLOSE_MIN = 1_024;
export const OBFS_PROBE_CLOSE_MAX = 16_384;

/** Before authentication a connection is closed after this long without completing (the tunnel's handshake timeout). */
export const TRANSPORT_AUTH_TIMEOUT_MS = 10_000;

/** wss: largest WebSocket frame payload accepted (memory bound; we send at most 64 KiB + a record header). */
export const WS_MAX_FRAME_PAYLOAD = 1 << 20;
/** wss: largest HTTP response head read while upgrading (a 101 is a few hundred bytes). */
export const WS_MAX_RESPONSE_HEAD = 8_192;
/** wss: secret path bytes (base64url in the offer): 128 bits, not guessable by a prober. */
export const WS_SECRET_LEN = 16;
/**
 * wss: the client's first flights (the upgrade request with the tunnel's first message behind it, then
 * the flight after the answer) are padded to a uniform size in this range, the range of a browser's page
 * GET carrying a site's cookies, so their TLS record sizes do not single them out: the request by a
 * cookie of random length, the later flight by unsolicited pongs (RFC 6455 §5.5.3: no answer expected).
 */
export const WS_GET_SIZE_MIN = 1_400;
export const WS_GET_SIZE_MAX = 2_400;
/** wss: how many of the client's flights are padded to a GET's size (the upgrade's and the one after the answer). */
export const WS_PADDED_CLIENT_FLIGHTS = 2;
/**
 * wss: the client's flight after the answer (its first stream's OPEN) waits at most this long for the
 * application's first bytes (a SOCKS client's request, a local round trip away), so that both leave as one
 * flight, a GET's (a relay OPEN, which waits for its result, leaves after it).
 */
export const WS_CLIENT_HOLD_MS = 10;
/**
 * wss: the server's flight after its answer (the first stream's OPEN result, a few dozen bytes) waits at
 * most this long for the data that follows it (the exit's first read from the destination), so that they
 * leave together as one answer; otherwise it leaves alone, padded to `WS_SERVER_BURST`.
 */
export const WS_SERVER_HOLD_MS = 50;
/**
 * wss: the size a lone OPEN result is padded to: the burst that starts any bulk answer (a small server
 * flight between the answer and the data is the tunnel's second round trip showing, an exit connecting,
 * which a page visit does not have). Four TLS 1.3 records, 64 KiB on the wire with their 22 bytes each.
 */
export const WS_SERVER_BURST = 64 * 1024 - 4 * 22;
/** wss: largest payload of one padding pong (a control frame's limit, RFC 6455 §5.5). */
export const WS_CONTROL_PAYLOAD_MAX = 125;
/** Socket buffer sizes: the tunnel's (64 KiB × 4). */
export const TRANSPORT_HIGH_WATER_MARK = 256 * 1024;
