/** A provider's transports from its flags: secrets kept across restarts, a pin for a self-signed certificate. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { removeCert, selfSignedCert } from '../transport/selfSignedCert.ts';
import { providerTransports } from './providerTransports.ts';

describe('providerTransports', () => {
  it('keeps the obfs key and the wss path across restarts, pins a self-signed certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-pt-'));
    const cert = selfSignedCert();
    try {
      const options = { obfsPort: 0, wssPort: 0, wssCertFile: cert.certFile, wssKeyFile: cert.keyFile };
      const [obfs, wss] = providerTransports(dir, options);
      const [obfsAgain, wssAgain] = providerTransports(dir, options);
      assert.ok(obfs?.name === 'obfs' && obfsAgain?.name === 'obfs');
      assert.ok(obfs.psk.equals(obfsAgain.psk));
      assert.ok(wss?.name === 'wss' && wssAgain?.name === 'wss');
      assert.equal(wss.path, wssAgain.path);
      assert.equal(wss.certSha256, cert.sha256);
      assert.equal(wss.bind, true, 'its own TLS, dialled directly: bind=1');
      const tlsBehindCdn = providerTransports(dir, { ...options, wssAnnounce: 'cdn.example.org:443' });
      assert.ok(tlsBehindCdn[1]?.name === 'wss' && tlsBehindCdn[1].tls !== undefined);
      assert.equal(tlsBehindCdn[1].bind, undefined, 'a CDN in front may terminate TLS: no bind');
      const behindProxy = providerTransports(dir, {
        wssPort: 0,
        wssName: 'cdn.example.org',
        wssAnnounce: 'cdn.example.org:443',
      });
      assert.deepEqual(
        behindProxy.map((t) => [t.name, t.name === 'wss' && t.tls !== undefined, t.announce]),
        [['wss', false, 'cdn.example.org:443']],
      );
      assert.equal(behindProxy[0]?.name === 'wss' && behindProxy[0].bind, undefined);
      assert.equal(behindProxy[0]?.host, '127.0.0.1', 'a plain-HTTP backend listens on loopback only');
    } finally {
      removeCert(cert);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a secret file others can read, or one of the wrong size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandex-pt-'));
    try {
      writeFileSync(join(dir, 'obfs.psk'), Buffer.alloc(32), { mode: 0o644 });
      chmodSync(join(dir, 'obfs.psk'), 0o644);
      assert.throws(() => providerTransports(dir, { obfsPort: 0 }), { code: 'TUNNEL_KEY_INSECURE' });
      writeFileSync(join(dir, 'wss.secret'), Buffer.alloc(5), { mode: 0o600 });
      assert.throws(() => providerTransports(dir, { wssPort: 0 }), { code: 'TUNNEL_KEY_INVALID' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
