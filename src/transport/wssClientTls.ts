/**
 * The TLS options of the wss client's ClientHello (see `docs/transports.md`, JA3/JA4).
 */
import type { ConnectionOptions } from 'node:tls';

export const WSS_CLIENT_TLS: ConnectionOptions = { ALPNProtocols: ['http/1.1'] };
