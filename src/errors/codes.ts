/**
 * Every error code of Bandex, in one place, by domain. A code is a stable, machine-readable name
 * (`SCREAMING_SNAKE_CASE`, never reworded once published) that programs and tests match on; the
 * message around it is for people. To add a code, add one line to its domain's list below (or a new
 * list, spread into `errorCodes`): `ErrorCode` is the union of all lists, so a typo in a `code:`
 * is a type error. Refusal codes are the answers a provider gives to a session proposal.
 */

export const apiErrorCodes = [
  'API_BAD_HOST',
  /** A query parameter is not what the route takes (e.g. not an address). */
  'API_BAD_QUERY',
  'API_METHOD',
  'API_NOT_FOUND',
  'API_NO_TOKEN',
  'API_UNAUTHORIZED',
] as const;

export const auditErrorCodes = [
  'AUDITOR_NOT_REGISTERED',
  'AUDITOR_EPOCH_MISMATCH',
  'AUDITOR_NO_LOCAL_KEY',
  'AUDIT_MESSAGE_MALFORMED',
  'AUDIT_REPORT_BAD_SIGNATURE',
  'AUDIT_REPORT_MALFORMED',
  'AUDIT_REPORT_WRONG_SIGNER',
] as const;

export const accountingErrorCodes = [
  'VOUCHER_BAD_SIGNATURE',
  'VOUCHER_WRONG_CHANNEL',
  'VOUCHER_WRONG_DOMAIN',
  'VOUCHER_DECREASING',
  'VOUCHER_OVER_DEPOSIT',
  'VOUCHER_BAD_ANCHOR',
  /** An opening voucher below what the channel already owes (everything served, the best claim). */
  'VOUCHER_TOO_LOW',
  'TICK_MISMATCH',
  'TICK_CHAIN_EXHAUSTED',
  'TICK_LIMIT',
  'PAYER_OVER_DEPOSIT',
  'PAYER_OVER_BUDGET',
  'CHAIN_LENGTH',
  'MESSAGE_MALFORMED',
  /** A receipt's signature does not recover to the channel's payer (at the provider) or its provider (at the client). */
  'RECEIPT_BAD_SIGNATURE',
  /** A receipt names another session, channel or checkpoint than the one it arrived for. */
  'RECEIPT_WRONG_SESSION',
  /** A receipt for a checkpoint already settled in this session. */
  'RECEIPT_REPLAYED',
  /** A receipt claims more than the side asked to sign saw: bytes, amount or time. */
  'RECEIPT_OVERCLAIM',
  /** A receipt below the session's previous one (receipts are cumulative) or with another start. */
  'RECEIPT_REGRESSED',
  /** The provider countersigned another receipt than the one the client proposed. */
  'RECEIPT_MISMATCH',
  /** The client let the session run too far past its last countersigned receipt. */
  'RECEIPT_MISSING',
  'RECEIPT_FLOOD',
  /** The provider signed two different receipts for one checkpoint (slashable). */
  'RECEIPT_EQUIVOCATION',
] as const;

export const chainErrorCodes = [
  'CHAIN_PORT_IN_USE',
  'CHAIN_START_FAILED',
  'CHAIN_RPC_UNREACHABLE',
  'CHAIN_DEPLOYMENT_MISMATCH',
  'CHAIN_DEPLOYMENT_INVALID',
  'CHAIN_DEPLOY_FAILED',
  /** A call would revert: found by simulation, nothing was sent. */
  'CHAIN_CALL_REVERTED',
  /** A sent transaction reverted on chain. */
  'CHAIN_TX_REVERTED',
  /** An argument an action checks before calling the chain is out of range. */
  'CHAIN_INVALID_ARGUMENT',
  /** The account cannot do what the action needs (e.g. sign typed data). */
  'CHAIN_ACCOUNT_UNSUPPORTED',
] as const;

export const daemonErrorCodes = [
  /** One or more parts of a daemon failed to stop (all were still stopped, newest first). */
  'COMPONENT_STOP_FAILED',
] as const;

export const cliErrorCodes = ['CLI_INSUFFICIENT_BALANCE', 'CLI_NOT_ALLOWED_NOW'] as const;

export const clientErrorCodes = [
  'CLIENT_BAD_HOPS',
  'CLIENT_INSUFFICIENT_RBT',
  'CLIENT_NOT_ENOUGH_PROVIDERS',
  'CLIENT_NO_LOCAL_KEY',
  'CLIENT_PATH_LOST',
  'CLIENT_PATH_STALLED',
  /** Hop 1's transport was throttled far below its provider's capacity; the client switched to another. */
  'CLIENT_TRANSPORT_THROTTLED',
  'CLIENT_SESSION_REFUSED',
  /** A provider asked an opening voucher for more than this client provably owes plus one credit window. */
  'CLIENT_PROVIDER_OVERCLAIM',
  /** A provider behind NAT is reachable only through its relay, whose offer this client has not heard (docs/nat.md). */
  'CLIENT_NAT_RELAY_UNKNOWN',
] as const;

export const configErrorCodes = ['CONFIG_INVALID'] as const;

export const netErrorCodes = [
  'NET_NODE_START_FAILED',
  'NET_PEER_KEY_UNREADABLE',
  'NET_PEER_KEY_INVALID',
  'NET_PEER_KEY_INSECURE',
  'NET_PEER_BINDING_MALFORMED',
  'NET_PEER_BINDING_BAD_SIGNATURE',
  'NET_PEER_BINDING_MISMATCH',
  'NET_OFFER_OVERSIZE',
  'NET_OFFER_MALFORMED',
  'NET_OFFER_WRONG_CHAIN',
  'NET_OFFER_EXPIRED',
  'NET_OFFER_NOT_YET_VALID',
  'NET_OFFER_STALE',
  'NET_OFFER_BAD_SIGNATURE',
  'NET_OFFER_BAD_BINDING',
  'NET_OFFER_WRONG_SENDER',
  'NET_OFFER_PROVIDER_UNREGISTERED',
  'NET_OFFER_PROVIDER_UNSTAKED',
  'NET_OFFER_PROVIDER_JAILED',
  'NET_OFFER_PRICE_MISMATCH',
  'NET_OFFER_PEER_MISMATCH',
  'NET_OFFER_CHECK_FAILED',
  'NET_OFFER_DIRECTORY_FULL',
  /** A bridge line (transports handed out privately, docs/transports.md) that is malformed, stale or forged. */
  'NET_BRIDGE_MALFORMED',
  'NET_BRIDGE_WRONG_CHAIN',
  'NET_BRIDGE_EXPIRED',
  'NET_BRIDGE_BAD_SIGNATURE',
  'NET_SESSION_MALFORMED',
  /** A relay reservation request or answer that is not one (docs/nat.md). */
  'NET_RESERVATION_MALFORMED',
  /** A relay refused a reservation: bad signature, wrong keys, expired, unregistered provider, relay full. */
  'NET_RESERVATION_REFUSED',
] as const;

export const providerErrorCodes = ['PROVIDER_NOT_REGISTERED', 'PROVIDER_PEER_MISMATCH'] as const;

/** Why a provider refused a session proposal (sent to the client in the refusal). */
export const refusalCodes = [
  'WRONG_CHAIN',
  'WRONG_CONTRACT',
  'CHECK_TIMEOUT',
  'INTERNAL_ERROR',
  'CREDIT_OUT_OF_RANGE',
  'UNKNOWN_CHANNEL',
  'WRONG_PRICE',
  'WRONG_TICK_VALUE',
  'WRONG_PAYEE',
  'WRONG_PAYER',
  'CHANNEL_CLOSING',
  'CHANNEL_EXHAUSTED',
  /** The proposal's EIP-712 signature is not the channel payer's (for this provider, key, nonce, expiry). */
  'PROPOSAL_BAD_SIGNATURE',
  /** The proposal's expiry has passed, or lies too far ahead. */
  'PROPOSAL_EXPIRED',
  /** A proposal with this session nonce was already seen. */
  'PROPOSAL_REPLAYED',
  /** This peer sent more proposals than the provider answers per second. */
  'PROPOSAL_RATE_LIMITED',
  /** The payer already has as many sessions (live or pending) as the provider allows. */
  'PAYER_SESSION_LIMIT',
  /** The provider serves as many sessions as it allows. */
  'PROVIDER_BUSY',
  /** The signed proposal names another tunnel key than the one its handshake authenticated. */
  'TUNNEL_KEY_MISMATCH',
] as const;

export const sessionErrorCodes = [
  'SESSION_UNPAID',
  /** The client opened a stream before its opening voucher. */
  'SESSION_OPEN_BEFORE_PAYMENT',
  /** A newer session on the same channel replaced this one (one live session per channel). */
  'SESSION_SUPERSEDED',
  /** The session's channel started closing on chain. */
  'SESSION_CHANNEL_CLOSING',
] as const;

export const storeErrorCodes = ['STORE_RECEIPT_CONFLICT', 'STORE_UNUSABLE'] as const;

export const tunnelErrorCodes = [
  'TUNNEL_ABORTED',
  'TUNNEL_BAD_PATH',
  'TUNNEL_BAD_PUBLIC_KEY',
  'TUNNEL_BAD_TAG',
  'TUNNEL_HANDSHAKE_CLOSED',
  'TUNNEL_HANDSHAKE_FAILED',
  'TUNNEL_HANDSHAKE_MALFORMED',
  'TUNNEL_HANDSHAKE_TIMEOUT',
  'TUNNEL_KEY_INSECURE',
  'TUNNEL_KEY_INVALID',
  'TUNNEL_MUX_PROTOCOL',
  'TUNNEL_NONCE_EXHAUSTED',
  'TUNNEL_OPEN_FAILED',
  'TUNNEL_OPEN_NOT_EXIT',
  'TUNNEL_PROXY_BAD_REQUEST',
  'TUNNEL_PROXY_TIMEOUT',
  'TUNNEL_PROXY_TOO_LARGE',
  'TUNNEL_PROXY_TRUNCATED',
  'TUNNEL_RECORD_TOO_LARGE',
  'TUNNEL_SESSION_CLOSED',
  'TUNNEL_STREAM_DESTROYED',
  'TUNNEL_STREAM_RESET',
  'TUNNEL_TOO_MANY_FLOWS',
  'TUNNEL_TOO_MANY_STREAMS',
  'TUNNEL_TRUNCATED',
] as const;

export const transportErrorCodes = [
  /** A transport named in an offer or a flag is not one this node speaks. */
  'TRANSPORT_UNKNOWN',
  /** A transport's parameters (in an offer, a flag or a config) are malformed. */
  'TRANSPORT_BAD_PARAMS',
  /** The provider offers none of the transports the client's policy allows. */
  'TRANSPORT_NONE_OFFERED',
  /** A transport's own framing was violated (bad tag, oversized or malformed frame). */
  'TRANSPORT_FRAMING',
  /** The transport's connection or its own handshake (TLS, WebSocket upgrade) failed. */
  'TRANSPORT_CONNECT_FAILED',
  /** The transport's handshake did not finish in time. */
  'TRANSPORT_TIMEOUT',
] as const;

export const volumeErrorCodes = [
  /** A volume receipt or witness input is out of range (bytes over 64 bits, value over 96, a field overflow). */
  'VOLUME_OUT_OF_RANGE',
  /** A volume receipt's EdDSA signature is not the channel key's. */
  'VOLUME_BAD_SIGNATURE',
  /** A receipt claims more value than its channel's registered deposit. */
  'VOLUME_OVER_DEPOSIT',
  /** A receipt's channel is not in the channel tree (not registered, or registered for another payee). */
  'VOLUME_NOT_REGISTERED',
  /** One claim names the same channel twice, or more receipts than a proof has slots. */
  'VOLUME_BAD_BATCH',
  /** The prover could not make a proof from the witness (the statement is false). */
  'VOLUME_UNPROVABLE',
] as const;

export const walletErrorCodes = [
  'WALLET_KEYSTORE',
  'WALLET_KEY_FILE',
  'WALLET_NO_ACCOUNT',
  'WALLET_NO_PASSWORD',
  'WALLET_WRONG_PASSWORD',
] as const;

export const vpnErrorCodes = [
  /** A tool the VPN needs (wireguard-go, ip, nft) is missing or failed. */
  'VPN_TOOL_FAILED',
  /** wireguard-go's control socket answered an error or nothing. */
  'VPN_UAPI',
  /** The exit's VPN handshake message was malformed, refused or never came. */
  'VPN_HANDSHAKE',
  /** The exit's VPN subnet has no free address left. */
  'VPN_POOL_EXHAUSTED',
  /** A flag of the VPN (CIDR, interface name) is not valid. */
  'VPN_BAD_OPTION',
  /** `bandex vpn down` found no VPN state to undo. */
  'VPN_NOT_UP',
] as const;

export const poolErrorCodes = [
  /** The notes file was sealed by another wallet, or altered: it is left as it is. */
  'POOL_NOTES_UNREADABLE',
] as const;

export const zkErrorCodes = [
  /** No `circuits/<name>.circom`, or one of its includes is in no include root. */
  'ZK_CIRCUIT_NOT_FOUND',
  /** circom refused the circuit, or a ceremony step failed. */
  'ZK_BUILD_FAILED',
  /** A committed verifier or manifest differs from what its circuit builds (`node scripts/zk.ts build`). */
  'ZK_ARTIFACT_STALE',
  /** The witness does not satisfy the circuit (an input is wrong): no proof exists for it. */
  'ZK_WITNESS_INVALID',
] as const;

export const errorCodes = [
  ...apiErrorCodes,
  ...auditErrorCodes,
  ...accountingErrorCodes,
  ...chainErrorCodes,
  ...cliErrorCodes,
  ...daemonErrorCodes,
  ...clientErrorCodes,
  ...configErrorCodes,
  ...netErrorCodes,
  ...providerErrorCodes,
  ...refusalCodes,
  ...sessionErrorCodes,
  ...storeErrorCodes,
  ...tunnelErrorCodes,
  ...transportErrorCodes,
  ...volumeErrorCodes,
  ...walletErrorCodes,
  ...vpnErrorCodes,
  ...zkErrorCodes,
  ...poolErrorCodes,
] as const;

/** Every code a Bandex error or refusal may carry. */
export type ErrorCode = (typeof errorCodes)[number];

/** A code a provider may refuse a session proposal with. */
export type RefusalCode = (typeof refusalCodes)[number];

const known: ReadonlySet<string> = new Set(errorCodes);

/** True when `code` is one of Bandex's codes (not, say, a Node `ENOENT`). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && known.has(code);
}
