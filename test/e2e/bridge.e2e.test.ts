/**
 * Issue 20, "per-client transport parameters": a provider started as a bridge keeps its obfuscated transports
 * out of its gossiped offer and hands them out in a signed line. A censor that joins the network and reads every
 * offer learns the bridge's public `plain` endpoint and nothing of its obfs key, wss path or their endpoints; a
 * client given the line enters over obfs, paid as usual. A tampered or forged line is refused before the client
 * starts anything.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'bandex';
import { tickValueFor } from '../../src/accounting/price.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { readDeployment } from '../../src/chain/deployment.ts';
import { devAccount, devPrivateKey } from '../../src/chain/devAccounts.ts';
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.ts';
import { hasErrorCode } from '../../src/errors/BaseError.ts';
import { BRIDGE_LINE_PREFIX, verifyBridgeLine } from '../../src/net/bridgeLine.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../../src/transport/selfSignedCert.ts';
import { type Origin, startOrigin } from '../support/tunnelHarness.ts';

/** An account the devnet leaves alone (it uses 0–12). */
const APP_ACCOUNT = 15;
const SIZE = 4 * 1024 * 1024;
const GIB = 2n ** 30n;

describe('bridges: transports handed out privately, not gossiped', { timeout: 240_000 }, () => {
  let dir: string;
  let cert: SelfSignedCert;
  let origin: Origin;
  let devnet: Devnet;
  const psk = randomBytes(32);
  const wssPath = `/${randomBytes(16).toString('base64url')}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bandex-bridge-'));
    cert = selfSignedCert();
    origin = await startOrigin(SIZE);
    devnet = await startDevnet({
      stateDir: join(dir, 'devnet'),
      providers: 2,
      auditors: 0,
      providerBridge: (i) => i === 0,
      // The bridge's transports are this test's to check; the other provider gets its own.
      providerTransports: (i) => [
        { name: 'obfs', psk: i === 0 ? psk : randomBytes(32) },
        {
          name: 'wss',
          path: i === 0 ? wssPath : `/${randomBytes(16).toString('base64url')}`,
          tls: { key: cert.key, cert: cert.cert },
          certSha256: cert.sha256,
        },
      ],
    });
  });
  after(async () => {
    await devnet?.stop();
    await origin?.close();
    if (cert) removeCert(cert);
    rmSync(dir, { recursive: true, force: true });
  });

  const bridgeFile = () => join(dir, 'devnet', 'provider-1', 'bridge.txt');

  it('the gossiped offer lists plain only; the line, 0600 in the state directory, has the rest', async () => {
    const bridge = devnet.providers[0];
    assert.ok(bridge?.bridge, 'the provider returns its bridge line');
    assert.equal(statSync(bridgeFile()).mode & 0o777, 0o600);
    const line = readFileSync(bridgeFile(), 'utf8').trim();
    assert.equal(line, bridge.bridge.line);
    assert.ok(line.startsWith(BRIDGE_LINE_PREFIX));
    const verified = await verifyBridgeLine(line, { chainId: devnet.info.chainId });
    assert.deepEqual(
      verified.transports.map((t) => t.name),
      ['obfs', 'wss'],
    );
    // The censor's view: every offer the network gossips (the devnet client's directory holds them all).
    const offers = devnet.client.directory.list();
    const gossiped = offers.find((o) => o.offer.provider === bridge.address);
    assert.ok(gossiped, 'the bridge is a listed, auditable provider');
    assert.deepEqual(
      gossiped.offer.transports.map((t) => t.name),
      ['plain'],
    );
    const everything = JSON.stringify(offers, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    assert.ok(!everything.includes(psk.toString('base64url')), 'no offer carries the obfs key');
    assert.ok(!everything.includes(wssPath), 'no offer carries the wss path');
    for (const t of verified.transports)
      assert.ok(!everything.includes(t.endpoint), `${t.name} endpoint not in any offer`);
    // The other provider is not a bridge: its offer lists its transports, as before.
    const listed = offers.find((o) => o.offer.provider === devnet.providers[1]?.address);
    assert.deepEqual(
      listed?.offer.transports.map((t) => t.name),
      ['plain', 'obfs', 'wss'],
    );
  });

  it('a client given the line enters through the bridge over obfs, and pays for what it carried', async () => {
    const { info } = devnet;
    const chain = createChainClient(info.rpc, devAccount(APP_ACCOUNT));
    await buyRbt(chain, {
      deployment: readDeployment(info.deployment),
      reserveIn: 1_000n * 10n ** 6n,
      useFaucet: true,
    });
    const bandex = await createClient({
      rpc: info.rpc,
      deployment: info.deployment,
      privateKey: devPrivateKey(APP_ACCOUNT),
      bootstrap: info.bootstrap,
      allowPrivateAddresses: true,
      hops: 1,
      bridges: [readFileSync(bridgeFile(), 'utf8')],
    });
    let hop: ReturnType<typeof bandex.status>['path'][number] | undefined;
    try {
      const response = await bandex.fetch(`http://127.0.0.1:${origin.port}/file.bin`);
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(origin.body));
      hop = bandex.status().path[0];
      assert.equal(hop?.provider, devnet.providers[0]?.address, 'the bridge is hop 1');
      assert.equal(hop?.transport, 'obfs', 'reached over the bridge line’s first transport');
      const served = (await devnet.providers[0]?.status())?.sessionsByTransport ?? {};
      assert.ok((served.obfs ?? 0) >= 1, `the bridge served the session over obfs: ${JSON.stringify(served)}`);
    } finally {
      await bandex.close();
    }
    // Closed: every byte carried is paid (within a tick), as over any other transport.
    const spend = bandex.spend();
    const price = BigInt(hop?.priceWeiPerGiB ?? 0);
    const owed = (BigInt(spend.bytesDown + spend.bytesUp) * price) / GIB;
    assert.ok(spend.bytesDown >= SIZE);
    assert.ok(spend.paidWei + tickValueFor(price) >= owed, `paid ${spend.paidWei}, owed ${owed}`);
  });

  it('a tampered or forged line is refused before the client starts', async () => {
    const { info } = devnet;
    const line = readFileSync(bridgeFile(), 'utf8').trim();
    const json = JSON.parse(Buffer.from(line.slice(BRIDGE_LINE_PREFIX.length), 'base64url').toString('utf8'));
    json.bridge.transports[0].endpoint = '127.0.0.1:9';
    const tampered = BRIDGE_LINE_PREFIX + Buffer.from(JSON.stringify(json)).toString('base64url');
    await assert.rejects(
      createClient({
        rpc: info.rpc,
        deployment: info.deployment,
        privateKey: devPrivateKey(APP_ACCOUNT),
        bootstrap: info.bootstrap,
        allowPrivateAddresses: true,
        bridges: [tampered],
      }),
      (e) => hasErrorCode(e, 'NET_BRIDGE_BAD_SIGNATURE'),
    );
  });
});
