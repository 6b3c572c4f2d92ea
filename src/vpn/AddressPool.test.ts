import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressPool } from './AddressPool.ts';
import { ipv4CidrContains, parseIpv4Cidr } from './ipv4.ts';

test('a /29 gives .2 to .6; the gateway is .1; exhaustion is a clear error', () => {
  const pool = new AddressPool('10.9.8.0/29');
  assert.equal(pool.gateway, '10.9.8.1');
  const taken = [1, 2, 3, 4, 5].map(() => pool.take());
  assert.deepEqual(taken, ['10.9.8.2', '10.9.8.3', '10.9.8.4', '10.9.8.5', '10.9.8.6']);
  assert.throws(() => pool.take(), { code: 'VPN_POOL_EXHAUSTED' });
  pool.release('10.9.8.4');
  assert.equal(pool.take(), '10.9.8.4');
});

test('a released address goes to the back of the queue; releasing twice or a stranger changes nothing', () => {
  const pool = new AddressPool('10.213.0.0/16');
  const a = pool.take();
  const before = pool.available;
  pool.release(a);
  pool.release(a);
  pool.release('192.168.1.1');
  assert.equal(pool.available, before + 1);
  assert.notEqual(pool.take(), a);
});

test('subnets: host bits cleared, too small or malformed refused', () => {
  assert.equal(new AddressPool('10.213.7.9/16').gateway, '10.213.0.1');
  assert.throws(() => new AddressPool('10.0.0.0/30'), { code: 'VPN_BAD_OPTION' });
  for (const bad of ['10.0.0.0/33', 'fd00::/64', '10.0.0/8', '10.0.0.0/8/1', 'x']) {
    assert.throws(() => parseIpv4Cidr(bad), { code: 'VPN_BAD_OPTION' }, bad);
  }
  assert.ok(ipv4CidrContains(parseIpv4Cidr('10.77.0.0/16'), '10.77.200.3'));
  assert.ok(!ipv4CidrContains(parseIpv4Cidr('10.77.0.0/16'), '10.78.0.1'));
  assert.ok(ipv4CidrContains(parseIpv4Cidr('0.0.0.0/0'), '8.8.8.8'));
});
