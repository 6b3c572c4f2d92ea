/**
 * What a provider admits, each limit with its reason (issue 14: "a misbehaving client costs the provider
 * at most one credit window and a bounded slice of memory"). The per-session budgets (receive window,
 * receive buffers) are in `session/limits.ts`; the tunnel's (streams, early data) in `tunnel/constants.ts`.
 */

/** Most credit a provider grants a session unless configured: 8 MiB (128 ticks). */
export const DEFAULT_MAX_CREDIT_BYTES = 8 * 1024 * 1024;
/** An accepted proposal counts against the payer's sessions this long at most before its session starts (its handshake's last message is in flight). */
export const PENDING_SESSION_TTL_MS = 30_000;
/**
 * Sessions (live or accepted and pending) one payer may hold with this provider. A client uses one
 * channel per provider and one session per channel; 4 leaves room for a reconnect racing its old
 * session and a second device, and caps what one wallet can hold of the provider's slots.
 */
export const MAX_SESSIONS_PER_PAYER = 4;
/** Sessions (live or pending) the provider serves at once: each costs memory and sockets. */
export const MAX_SESSIONS = 512;
/**
 * Proposals one source address may send per second, with a burst: a proposal costs a signature recovery
 * (0.3 ms) and an RPC read. An honest client sends one per path it builds; a hop relaying other clients'
 * handshakes shares one bucket among them (docs/security.md), as do clients behind one NAT: 16 a second
 * (burst 64) bounds the chain reads one source causes without starving a busy middle hop.
 */
export const PROPOSALS_PER_SOURCE_PER_SECOND = 16;
export const PROPOSAL_BURST = 64;
/** Source addresses whose proposal rate is remembered at once (oldest forgotten first): bounds the limiter's memory. */
export const MAX_TRACKED_PEERS = 4_096;
/**
 * A proposal's expiry may lie at most this far ahead: the provider remembers every nonce until its
 * expiry, so this bounds that memory (with `PROPOSALS_PER_SOURCE_PER_SECOND`), and a leaked signed
 * proposal is useless after it.
 */
export const MAX_PROPOSAL_LIFETIME_S = 120;
/** Nonces remembered at once; beyond it new proposals are refused until old ones expire. */
export const MAX_REMEMBERED_NONCES = 65_536;

/**
 * Relay reservations (docs/nat.md) a provider holds at once: each is one long-lived session (a socket, its
 * buffers) for a NATed provider that pays nothing for it — its clients pay the relay per byte as a hop.
 * A flood of registered providers (each needs stake) is refused beyond this.
 */
export const MAX_RESERVATIONS = 64;
/** Relayed connections waiting for their NATed provider's stream, per reservation (it has `OPEN_TIMEOUT_MS` to open it). */
export const MAX_PENDING_RELAYED = 64;
