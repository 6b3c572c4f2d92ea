import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkExitAddress, createExitPolicy } from './exitPolicy.ts';
import { parseIp } from './ipAddress.ts';

const strict = createExitPolicy();
const devnet = createExitPolicy({ devnet: true });
const v4 = (a: number, b: number, c: number, d: number) => `${a}.${b}.${c}.${d}`;
const octet = fc.integer({ min: 0, max: 255 });

describe('exit policy', () => {
  it('refuses every non-public example by default, and its IPv4-mapped form', () => {
    const refused = [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '224.0.0.1',
      '0.0.0.0',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '::ffff:7f00:1',
      '[::1]',
    ];
    for (const address of refused) assert.equal(checkExitAddress(strict, address, 80).allowed, false, address);
  });

  it('allows public addresses', () => {
    for (const address of ['1.1.1.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111']) {
      assert.equal(checkExitAddress(strict, address, 443).allowed, true, address);
    }
  });

  it('devnet allows loopback only', () => {
    assert.equal(checkExitAddress(devnet, '127.0.0.1', 80).allowed, true);
    assert.equal(checkExitAddress(devnet, '::1', 80).allowed, true);
    assert.equal(checkExitAddress(devnet, '192.168.0.1', 80).allowed, false);
  });

  it('applies allow/deny lists and port rules', () => {
    const policy = createExitPolicy({ allow: ['10.9.0.0/16'], deny: ['1.1.1.0/24'], denyPorts: [25] });
    assert.equal(checkExitAddress(policy, '10.9.3.4', 80).allowed, true);
    assert.equal(checkExitAddress(policy, '10.8.3.4', 80).allowed, false);
    assert.equal(checkExitAddress(policy, '1.1.1.1', 80).allowed, false);
    assert.deepEqual(checkExitAddress(policy, '8.8.8.8', 25), { allowed: false, reason: 'port' });
    const only = createExitPolicy({ allowPorts: [80, 443] });
    assert.equal(checkExitAddress(only, '8.8.8.8', 22).allowed, false);
    assert.equal(checkExitAddress(only, '8.8.8.8', 443).allowed, true);
    assert.equal(checkExitAddress(strict, 'example.com', 80).allowed, false);
  });

  it('property: every 10/8, 192.168/16, 127/8 address is refused in both forms', () => {
    fc.assert(
      fc.property(fc.constantFrom(10, 127, 192), octet, octet, octet, (a, b, c, d) => {
        const address = a === 192 ? v4(192, 168, c, d) : v4(a, b, c, d);
        return (
          !checkExitAddress(strict, address, 80).allowed && !checkExitAddress(strict, `::ffff:${address}`, 80).allowed
        );
      }),
    );
  });

  it('property: a mapped address is refused whatever it wraps (issue 14: no second spelling)', () => {
    fc.assert(
      fc.property(octet, octet, octet, octet, (a, b, c, d) => {
        const address = v4(a, b, c, d);
        return !checkExitAddress(strict, `::ffff:${address}`, 80).allowed;
      }),
    );
  });

  it('refuses the IPv4-compatible, NAT64 and 6to4 spellings of any address', () => {
    for (const address of [
      '::127.0.0.1',
      '::a00:1',
      '::8.8.8.8',
      '64:ff9b::7f00:1',
      '64:ff9b::808:808',
      '2002:7f00:1::1',
      '2002:c0a8:101::',
    ])
      assert.equal(checkExitAddress(strict, address, 80).allowed, false, address);
  });

  it('refuses the provider’s own interface addresses, even in devnet mode', () => {
    const own = createExitPolicy({ devnet: true, ownAddresses: ['203.0.113.9', '2001:db9::5', '127.0.0.1'] });
    assert.equal(checkExitAddress(own, '203.0.113.9', 80).allowed, false);
    assert.equal(checkExitAddress(own, '2001:db9::5', 80).allowed, false);
    assert.equal(checkExitAddress(own, '127.0.0.1', 80).allowed, true, 'devnet loopback stays allowed');
    assert.equal(checkExitAddress(own, '2001:db9::6', 80).allowed, true);
  });

  it('property: fc00::/7 is refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0xfc00, max: 0xfdff }), fc.integer({ min: 0, max: 0xffff }), (hi, lo) => {
        return !checkExitAddress(strict, `${hi.toString(16)}::${lo.toString(16)}`, 443).allowed;
      }),
    );
  });

  it('parses IPv6 forms consistently', () => {
    assert.deepEqual(parseIp('::ffff:127.0.0.1'), { family: 4, value: 0x7f000001n });
    assert.deepEqual(parseIp('0:0:0:0:0:0:0:1'), parseIp('::1'));
    assert.equal(parseIp('not-an-ip'), undefined);
  });
});
