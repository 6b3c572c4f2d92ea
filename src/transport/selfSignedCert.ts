/** A throwaway self-signed certificate (openssl CLI) for a wss listener in the devnet, the bench and tests: PEM key and cert, and its SHA-256 pin. */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type SelfSignedCert = {
  key: string;
  cert: string;
  sha256: string;
  keyFile: string;
  certFile: string;
  dir: string;
};

export function selfSignedCert(commonName = 'notes.example'): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'bandex-cert-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=DNS:${commonName}`,
      '-days',
      '2',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certFile, 'utf8');
  const sha256 = new X509Certificate(cert).fingerprint256.replaceAll(':', '').toLowerCase();
  return { key: readFileSync(keyFile, 'utf8'), cert, sha256, keyFile, certFile, dir };
}

export function removeCert(cert: SelfSignedCert): void {
  rmSync(cert.dir, { recursive: true, force: true });
}
