/** Transport parameters as offers carry them: strict parsing, one string per spec, the client's choice. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { chooseTransports, formatTransportParams, parseTransport, type TransportSpec } from './transportSpec.ts';

describe('transport specs', () => {
  it('round-trips every transport through its offer string', () => {
    const specs: TransportSpec[] = [
      { name: 'plain' },
      { name: 'obfs', psk: randomBytes(32) },
      { name: 'obfs', psk: randomBytes(32), jitterMs: 20 },
      { name: 'wss', path: `/${randomBytes(16).toString('base64url')}` },
      {
        name: 'wss',
        path: `/${randomBytes(16).toString('base64url')}`,
        serverName: 'cdn.example.org',
        certSha256: 'ab'.repeat(32),
      },
      { name: 'wss', path: `/${randomBytes(16).toString('base64url')}`, certSha256: 'cd'.repeat(32), bind: true },
    ];
    for (const spec of specs) assert.deepEqual(parseTransport(spec.name, formatTransportParams(spec)), spec);
  });

  it('refuses unknown transports and malformed or non-canonical parameters', () => {
    assert.throws(() => parseTransport('meek', ''), { code: 'TRANSPORT_UNKNOWN' });
    const psk = randomBytes(32).toString('base64url');
    for (const [name, params] of [
      ['plain', 'x=1'],
      ['obfs', ''],
      ['obfs', `psk=${psk.slice(1)}`],
      ['obfs', `psk=${psk};psk=${psk}`],
      ['obfs', `iat=5000;psk=${psk}`],
      ['obfs', `iat=-1;psk=${psk}`],
      ['obfs', `psk=${psk};extra=1`],
      ['wss', 'path=/short'],
      ['wss', `path=${psk}`],
      ['wss', `path=/${psk};sni=not a name`],
      ['wss', `path=/${psk};pin=XYZ`],
      ['wss', `bind=0;path=/${psk}`],
      ['wss', `bind=true;path=/${psk}`],
      ['wss', `bind=;path=/${psk}`],
      ['wss', 'x'.repeat(300)],
    ] as const) {
      assert.throws(() => parseTransport(name, params), { code: 'TRANSPORT_BAD_PARAMS' }, `${name} ${params}`);
    }
  });

  it("picks the first transport of the client's policy that the offer serves", () => {
    const offered = [
      { name: 'plain', endpoint: '127.0.0.1:1', params: '' },
      { name: 'obfs', endpoint: '127.0.0.1:2', params: `psk=${randomBytes(32).toString('base64url')}` },
    ];
    assert.deepEqual(
      chooseTransports(offered, ['wss', 'obfs', 'plain']).map((c) => c.endpoint),
      ['127.0.0.1:2', '127.0.0.1:1'],
    );
    assert.throws(() => chooseTransports(offered, ['wss']), { code: 'TRANSPORT_NONE_OFFERED' });
  });
});
