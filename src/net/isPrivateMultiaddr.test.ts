import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { multiaddr } from '@multiformats/multiaddr';
import { isPrivateMultiaddr } from './isPrivateMultiaddr.ts';

describe('isPrivateMultiaddr', () => {
  it('flags loopback, private, link-local and CGNAT first hops', () => {
    for (const a of [
      '/ip4/127.0.0.1/tcp/1',
      '/ip4/10.1.2.3/tcp/1',
      '/ip4/172.20.0.1/tcp/1/ws',
      '/ip4/192.168.1.1/tcp/1',
      '/ip4/169.254.0.1/tcp/1',
      '/ip4/100.64.0.1/tcp/1',
      '/ip6/::1/tcp/1',
      '/ip6/fd00::1/tcp/1',
      '/ip6/fe80::1/tcp/1',
      '/ip6/::ffff:192.168.0.1/tcp/1',
    ]) {
      assert.equal(isPrivateMultiaddr(multiaddr(a)), true, a);
    }
  });

  it('passes public addresses and DNS names', () => {
    for (const a of [
      '/ip4/203.0.113.5/tcp/1',
      '/ip4/172.32.0.1/tcp/1',
      '/ip6/2001:db8::1/tcp/1',
      '/dns4/example.org/tcp/443/wss',
    ]) {
      assert.equal(isPrivateMultiaddr(multiaddr(a)), false, a);
    }
  });
});
