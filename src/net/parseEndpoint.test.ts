import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatEndpoint, parseEndpoint } from './parseEndpoint.ts';

describe('parseEndpoint', () => {
  it('accepts IPv4, bracketed IPv6 and DNS names', () => {
    assert.deepEqual(parseEndpoint('127.0.0.1:7000'), { host: '127.0.0.1', port: 7000 });
    assert.deepEqual(parseEndpoint('[::1]:443'), { host: '::1', port: 443 });
    assert.deepEqual(parseEndpoint('Node.Example.org:65535'), { host: 'node.example.org', port: 65535 });
    assert.equal(formatEndpoint({ host: '::1', port: 443 }), '[::1]:443');
  });

  it('rejects everything else', () => {
    for (const bad of [
      '127.0.0.1',
      '::1:443',
      '[::1]',
      'host:0',
      'host:65536',
      'host:080',
      'a b:1',
      'http://x:80',
      '999.1.1.1:1',
      ':80',
      'x_y:1',
    ]) {
      assert.equal(parseEndpoint(bad), undefined, bad);
    }
  });
});
