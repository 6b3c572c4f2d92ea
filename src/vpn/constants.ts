/**
 * Limits and names of the VPN (`docs/vpn.md`). The client reaches its exit's VPN service through the paid
 * path with a reserved destination name that no resolver answers (`.invalid`, RFC 2606): a control
 * stream (port `VPN_CONTROL_PORT`) carries the key exchange, a UDP flow (port `VPN_DATA_PORT`) carries
 * WireGuard's datagrams. The exit intercepts both before its exit policy; nothing else may use the name.
 */
import { MAX_DATAGRAM_PAYLOAD } from '../tunnel/constants.ts';

export const VPN_HOST = 'vpn.bandex.invalid';
export const VPN_CONTROL_PORT = 1;
export const VPN_DATA_PORT = 2;
/** The exit's default private subnet: one /32 per session, the exit itself at `.1`. */
export const DEFAULT_VPN_SUBNET = '10.213.0.0/16';
/** A handshake message is one JSON line; more than this is refused (no unbounded buffering). */
export const MAX_VPN_MESSAGE_BYTES = 1_024;
/** How long the client waits for the exit's handshake answer. */
export const VPN_HANDSHAKE_TIMEOUT_MS = 20_000;
/**
 * The tunnel interface's MTU: a WireGuard data message adds 32 bytes (16 header + 16 tag) to the inner
 * packet, and the whole message must fit one mux DATAGRAM. 1420 is wg-quick's default and far below
 * the mux bound, so the inner packets keep the size applications expect on the internet.
 */
export const VPN_MTU = Math.min(1_420, MAX_DATAGRAM_PAYLOAD - 32);
/** wireguard-go's control sockets (its `UAPI` directory, fixed in its source: `ipc.socketDirectory`). */
export const WIREGUARD_RUN_DIR = '/var/run/wireguard';
/** Keepalive toward the exit, s: keeps the flow (idle timeout at the exit) and the WireGuard session alive. */
export const VPN_KEEPALIVE_S = 15;
/**
 * Receive and send buffers of the loopback sockets between wireguard-go and the flow (both ends): a TCP
 * download's burst of packets arrives faster than one event-loop turn drains it; 4 MiB holds ~2,900
 * full-size WireGuard packets instead of the default ~150 (net.core.rmem_default 208 KiB).
 */
export const RELAY_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
