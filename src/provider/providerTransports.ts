/**
 * The obfuscated transports a provider serves next to `plain`, from its flags (`bandex node --obfs-port`,
 * `--obfs4-port`, `--wss-port`, …): the obfs pre-shared key and the wss secret path are long-term secrets in the state
 * directory (so offers stay valid across restarts), the wss certificate comes from files or, absent,
 * the listener speaks plain HTTP behind a TLS-terminating proxy (`--wss-announce` names it). A listener with
 * its own certificate and nothing announced in front of it offers `bind=1` (the tunnel binds to its TLS and sends
 * clear records inside it); one behind a proxy or CDN (`--wss-announce`) does not, TLS or not.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OBFS_PSK_LEN, WS_SECRET_LEN } from '../transport/constants.ts';
import type { TransportListenConfig } from '../transport/listenTransport.ts';
import { loadOrCreateSecret } from './loadOrCreateSecret.ts';

export type ProviderTransportOptions = {
  host?: string;
  obfsPort?: number;
  /** Also serve obfs4 through Debian's obfs4proxy (its keys in `<stateDir>/obfs4`). */
  obfs4Port?: number;
  wssPort?: number;
  /** PEM files; without them the wss listener speaks HTTP for a reverse proxy in front. */
  wssCertFile?: string;
  wssKeyFile?: string;
  /** DNS name clients use for TLS and Host (a CA-signed certificate); without it a certificate is pinned. */
  wssName?: string;
  /** `host:port` clients dial for wss (the proxy or CDN in front), when not the listener itself. */
  wssAnnounce?: string;
};

export function providerTransports(
  stateDir: string,
  options: ProviderTransportOptions,
): (TransportListenConfig & { announce?: string })[] {
  const transports: (TransportListenConfig & { announce?: string })[] = [];
  if (options.obfsPort !== undefined) {
    const psk = loadOrCreateSecret(join(stateDir, 'obfs.psk'), OBFS_PSK_LEN, 'obfs key');
    transports.push({ name: 'obfs', host: options.host, port: options.obfsPort, psk });
  }
  if (options.obfs4Port !== undefined) {
    transports.push({ name: 'obfs4', host: options.host, port: options.obfs4Port, stateDir: join(stateDir, 'obfs4') });
  }
  if (options.wssPort !== undefined) {
    const secret = loadOrCreateSecret(join(stateDir, 'wss.secret'), WS_SECRET_LEN, 'wss secret');
    const tls =
      options.wssCertFile && options.wssKeyFile
        ? { cert: readFileSync(options.wssCertFile, 'utf8'), key: readFileSync(options.wssKeyFile, 'utf8') }
        : undefined;
    const pin =
      tls && !options.wssName
        ? new X509Certificate(tls.cert).fingerprint256.replaceAll(':', '').toLowerCase()
        : undefined;
    transports.push({
      name: 'wss',
      // Without TLS it is the backend of a proxy on this host: never reachable from outside in clear.
      host: tls ? options.host : '127.0.0.1',
      port: options.wssPort,
      path: `/${secret.toString('base64url')}`,
      ...(tls ? { tls } : {}),
      ...(options.wssName ? { serverName: options.wssName } : {}),
      ...(pin ? { certSha256: pin } : {}),
      ...(options.wssAnnounce ? { announce: options.wssAnnounce } : {}),
      // TLS ends here only when this listener speaks it and clients dial it directly.
      ...(tls && !options.wssAnnounce ? { bind: true } : {}),
    });
  }
  return transports;
}
