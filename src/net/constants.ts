/**
 * Limits and protocol identifiers of the control plane. Every number here is part of
 * how Bandex nodes talk to each other; each one says why it has the value it has.
 */

/** Gossipsub topic on which providers publish signed offers. Bump the suffix with any incompatible change of the offer format. */
export const OFFERS_TOPIC = '/bandex/offers/2';

/**
 * Kademlia protocol of the Bandex DHT. A private prefix keeps Bandex nodes out of the
 * public IPFS DHT (and its records out of ours); see the kad-dht README, "protocol".
 */
export const DHT_PROTOCOL = '/bandex/kad/1.0.0';

/** Namespace of DHT provider records: `/bandex/provider/<0xaddress>` → signed peer binding. */
export const PROVIDER_RECORD_NAMESPACE = 'bandex';

/**
 * Concurrent ping streams per connection and direction. @libp2p/ping allows 1 outbound,
 * but kad-dht pings routing-table contacts itself, so an application ping (RTT ranking)
 * racing a DHT liveness check fails with TooManyOutboundProtocolStreamsError; 4 covers both.
 */
export const PING_MAX_STREAMS = 4;

/** UDP flows in the tunnel (OPEN kind UDP, DATAGRAM frames, `docs/tunnel.md`): an exit advertising it carries them. */
export const UDP_PROTOCOL = '/bandex/udp/1';

/**
 * In an offer's (signed) `protocols`: the provider is relay-only — it carries RELAY hops and opens no
 * connection or flow to a destination. An offer without it is an exit, which is what every offer before
 * roles existed was; so old offers keep their meaning, and the role needs no new EIP-712 type.
 */
export const RELAY_ONLY_PROTOCOL = '/bandex/role/relay-only/1';

/**
 * Protocol versions a node of this build speaks, advertised in offers. `/bandex/tunnel/3`: the session
 * proposal and answer ride in the tunnel's Noise IK handshake (no libp2p session protocol).
 */
export const SUPPORTED_PROTOCOLS = ['/bandex/tunnel/3', UDP_PROTOCOL] as const;

/**
 * Largest encoded offer accepted from gossip, in bytes. A full offer (4 endpoints,
 * 8 protocols, two signatures) is about 1.2 KiB of JSON; 4 KiB leaves room for long
 * DNS names without letting a peer make every node parse megabytes.
 */
export const MAX_OFFER_BYTES = 4096;

/** Most tunnel endpoints one offer may list (a dual-stack host with a fallback port needs 4). */
export const MAX_OFFER_ENDPOINTS = 4;

/** Most transports one offer may list: one of each kind (`TRANSPORT_NAMES` in `transport/constants.ts`). */
export const MAX_OFFER_TRANSPORTS = 4;

/** Most protocol identifiers one offer may list. */
export const MAX_OFFER_PROTOCOLS = 8;

/** Longest protocol identifier in an offer, in characters. */
export const MAX_PROTOCOL_ID_LENGTH = 64;

/** Longest `host:port` endpoint string (253-character DNS name + `:65535`, plus IPv6 brackets). */
export const MAX_ENDPOINT_LENGTH = 261;

/**
 * How often a provider re-signs and republishes its offer, in ms. Gossipsub does not
 * store messages, so a client that joins late learns an offer at the next refresh: one
 * minute bounds that wait while costing each node one ~1 KiB message per provider per minute.
 */
export const OFFER_REFRESH_INTERVAL_MS = 60_000;

/**
 * Lifetime of an offer, in seconds: five refresh intervals, so an offer survives four
 * lost refreshes, and a provider that goes away drops out of directories in 5 minutes.
 */
export const OFFER_TTL_SECONDS = 300;

/** Longest lifetime (expiresAt − issuedAt) a receiver accepts, in seconds: a signed offer cannot be made to live for days. */
export const MAX_OFFER_TTL_SECONDS = 3600;

/** Clock skew tolerated on `issuedAt` in the future, in seconds (NTP-less home machines drift by seconds to a minute). */
export const MAX_CLOCK_SKEW_SECONDS = 120;

/** How often an offer directory drops expired offers, in ms. */
export const OFFER_EVICTION_INTERVAL_MS = 10_000;

/** Time the injected registry check (`checkProvider`) may take per offer, in ms (one or two RPC reads). */
export const CHECK_PROVIDER_TIMEOUT_MS = 10_000;

/** Most providers an offer directory keeps (a bound on memory if many staked providers exist). */
export const MAX_DIRECTORY_ENTRIES = 10_000;

/** Time the provider's channel check may take, in ms (an RPC read on a slow L2 endpoint is seconds); within the handshake's 10 s. */
export const CHECK_PROPOSAL_TIMEOUT_MS = 8_000;

/** Longest refusal reason sent on the wire, in characters. */
export const MAX_REFUSAL_REASON_LENGTH = 256;

/** Largest credit window a proposal may ask for, in bytes (1 TiB: far above any sane window, below 2^53). */
export const MAX_CREDIT_BYTES = 2 ** 40;

/** Largest capacity an offer may claim, in bytes per second (100 Gbit/s). */
export const MAX_CAPACITY_BYTES_PER_SECOND = 12_500_000_000;

/** Largest uint256, the bound of every wei amount. */
export const MAX_UINT256 = 2n ** 256n - 1n;

/**
 * In an offer's `protocols`: this provider holds relay reservations for providers behind NAT (docs/nat.md).
 * A provider behind NAT lists `relay:<relay address>` among its `endpoints` instead of a `host:port`.
 */
export const NAT_RELAY_PROTOCOL = '/bandex/nat-relay/1';

/**
 * Lifetime a provider gives its bridge line, in seconds (30 days): a line travels out of band (a message, a
 * QR code, a friend) and must outlive that trip; the provider re-signs it at every start.
 */
export const BRIDGE_LINE_TTL_SECONDS = 30 * 24 * 3600;

/** Longest bridge-line lifetime a client accepts, in seconds (90 days): a leaked line does not live for ever. */
export const MAX_BRIDGE_LINE_TTL_SECONDS = 90 * 24 * 3600;

/** Longest bridge line accepted, in characters (three transports with long DNS names fit in ~1.5 KiB). */
export const MAX_BRIDGE_LINE_LENGTH = 4096;
