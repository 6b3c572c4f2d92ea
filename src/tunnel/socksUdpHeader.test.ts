import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSocksUdpDatagram, encodeSocksUdpHeader } from './socksUdpHeader.ts';

describe('SOCKS5 UDP request header (RFC 1928 §7)', () => {
  it('round-trips IPv4, IPv6 and domain destinations', () => {
    for (const destination of [
      { host: '127.0.0.1', port: 53 },
      { host: '2001:db8:0:0:0:0:0:1', port: 443 },
      { host: 'example.com', port: 5353 },
    ]) {
      const data = Buffer.from('payload');
      const decoded = decodeSocksUdpDatagram(Buffer.concat([encodeSocksUdpHeader(destination), data]));
      assert.deepEqual(decoded?.data, data);
      assert.equal(decoded?.frag, 0);
      assert.equal(decoded?.destination.port, destination.port);
    }
    const six = decodeSocksUdpDatagram(encodeSocksUdpHeader({ host: '::1', port: 9 }));
    assert.equal(six?.destination.host, '0:0:0:0:0:0:0:1');
  });

  it('refuses what is not a request header: reserved bytes, unknown ATYP, truncation, port 0, empty name', () => {
    const good = encodeSocksUdpHeader({ host: '10.0.0.1', port: 53 });
    assert.ok(decodeSocksUdpDatagram(good));
    assert.equal(decodeSocksUdpDatagram(Buffer.concat([Buffer.of(1), good.subarray(1)])), undefined);
    assert.equal(decodeSocksUdpDatagram(Buffer.of(0, 0, 0, 9, 1, 2, 3, 4, 0, 53)), undefined);
    assert.equal(decodeSocksUdpDatagram(good.subarray(0, 9)), undefined);
    assert.equal(decodeSocksUdpDatagram(Buffer.of(0, 0, 0, 1, 10, 0, 0, 1, 0, 0)), undefined);
    assert.equal(decodeSocksUdpDatagram(Buffer.of(0, 0, 0, 3, 0, 0, 53)), undefined);
  });

  it('keeps FRAG for the relay to drop', () => {
    const header = encodeSocksUdpHeader({ host: '10.0.0.1', port: 53 });
    header[2] = 3;
    assert.equal(decodeSocksUdpDatagram(header)?.frag, 3);
  });
});
