import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasErrorCode } from '../errors/BaseError.ts';
import { parsePtArgs, parsePtLine, startManagedTransport } from './managedTransport.ts';

describe('managed pluggable transports (pt-spec)', () => {
  it('parses what obfs4proxy prints as a server and as a client', () => {
    assert.deepEqual(parsePtLine('VERSION 1'), { kind: 'version', version: '1' });
    const s = parsePtLine('SMETHOD obfs4 127.0.0.1:39967 ARGS:cert=OtWi62l4uni8xI2Y/+dP1aUQ,iat-mode=0');
    assert.equal(s.kind, 'smethod');
    if (s.kind === 'smethod') {
      assert.deepEqual([s.transport, s.host, s.port], ['obfs4', '127.0.0.1', 39967]);
      assert.equal(s.args.get('cert'), 'OtWi62l4uni8xI2Y/+dP1aUQ');
      assert.equal(s.args.get('iat-mode'), '0');
    }
    assert.deepEqual(parsePtLine('CMETHOD obfs4 socks5 127.0.0.1:38545'), {
      kind: 'cmethod',
      transport: 'obfs4',
      protocol: 'socks5',
      host: '127.0.0.1',
      port: 38545,
    });
    assert.equal(parsePtLine('SMETHOD obfs4 [::1]:443').kind, 'smethod');
    assert.deepEqual(parsePtLine('CMETHODS DONE'), { kind: 'done' });
    assert.deepEqual(parsePtLine('SMETHODS DONE'), { kind: 'done' });
  });

  it('turns error lines and malformed methods into errors, and escapes in arguments into text', () => {
    assert.equal(parsePtLine('ENV-ERROR no TOR_PT_STATE_LOCATION').kind, 'error');
    assert.equal(parsePtLine('SMETHOD-ERROR obfs4 address in use').kind, 'error');
    assert.equal(parsePtLine('SMETHOD obfs4 nowhere').kind, 'error');
    assert.equal(parsePtLine('CMETHOD obfs4 socks5 127.0.0.1:99999').kind, 'error');
    assert.equal(parsePtLine('LOG SEVERITY=notice').kind, 'other');
    assert.deepEqual(
      [...parsePtArgs('a=1\\,2,b=x\\=y,c=')],
      [
        ['a', '1,2'],
        ['b', 'x=y'],
        ['c', ''],
      ],
    );
  });

  it('a program that is missing or exits at once is a clear TRANSPORT_CONNECT_FAILED', async () => {
    await assert.rejects(startManagedTransport('/nonexistent/obfs4proxy', {}), (e) =>
      hasErrorCode(e, 'TRANSPORT_CONNECT_FAILED'),
    );
    await assert.rejects(startManagedTransport('false', {}), (e) => hasErrorCode(e, 'TRANSPORT_CONNECT_FAILED'));
  });
});
