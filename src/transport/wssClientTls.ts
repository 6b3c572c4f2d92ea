/**
 * The TLS options of the wss client: a ClientHello as close to a current Chrome's as Node's OpenSSL
 * allows (`docs/transports.md`, "JA3/JA4"; `clientHello.ts` measures it). Chrome's cipher suites in
 * Chrome's order (its JA4 cipher hash, 8daaf6152771, exactly), its key-share groups (X25519MLKEM768 and
 * X25519 with shares, then P-256 and P-384), its signature algorithms in its order, status_request
 * (Chrome asks for OCSP), no encrypt_then_mac (Chrome does not send it). ALPN stays `http/1.1` only: a
 * front that is offered `h2` may pick it (a CDN, nginx with `http2 on`), and RFC 6455 needs HTTP/1.1.
 * What Node cannot do (GREASE, extension order and permutation, ALPS, ECH, certificate compression,
 * SCT) is listed in the docs. The certificate's key must be ECDSA P-256/P-384 or RSA (Chrome's set).
 */
import { constants } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';

export const WSS_CLIENT_TLS: ConnectionOptions = {
  ALPNProtocols: ['http/1.1'],
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
    'ECDHE-RSA-AES128-SHA',
    'ECDHE-RSA-AES256-SHA',
    'AES128-GCM-SHA256',
    'AES256-GCM-SHA384',
    'AES128-SHA',
    'AES256-SHA',
  ].join(':'),
  ecdhCurve: '*X25519MLKEM768:*X25519:P-256:P-384',
  sigalgs: [
    'ecdsa_secp256r1_sha256',
    'rsa_pss_rsae_sha256',
    'rsa_pkcs1_sha256',
    'ecdsa_secp384r1_sha384',
    'rsa_pss_rsae_sha384',
    'rsa_pkcs1_sha384',
    'rsa_pss_rsae_sha512',
    'rsa_pkcs1_sha512',
  ].join(':'),
  requestOCSP: true,
  secureOptions: constants.SSL_OP_NO_ENCRYPT_THEN_MAC,
};
