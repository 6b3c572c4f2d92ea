/**
 * Issue 20, switching on the fly: the client reaches its provider over obfs through a censor's
 * middlebox that resets the flow mid-download and then every new obfs connection. The application
 * (curl, resuming with a range request) retries; the client's next path reaches the same provider over
 * wss, on the same payment channel, and the download completes. Everything carried is paid once:
 * what the client promised on the channel equals its bytes × price within a tick per session.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CREDIT_BYTES } from '../../src/accounting/constants.ts';
import { tickValueFor } from '../../src/accounting/price.ts';
import type { Devnet } from '../../src/devnet/startDevnet.ts';
import { removeCert, type SelfSignedCert, selfSignedCert } from '../../src/transport/selfSignedCert.ts';
import { freePort } from '../../src/tunnel/punchConnect.ts';
import { type SwitchingClientStatus, startDevnetBehindCensor } from '../support/censoredDevnet.ts';
import { getJson } from '../support/devnet.ts';
import { type ResettingProxy, startResettingProxy } from '../support/resettingProxy.ts';
import { type Origin, startOrigin } from '../support/tunnelHarness.ts';

const SIZE = 24 * 1024 * 1024;
const GIB = 2n ** 30n;
/** The client's credit window (`DEFAULT_CREDIT_BYTES`). */
const CREDIT_WINDOW = DEFAULT_CREDIT_BYTES;

describe('switching transports when one is blocked mid-download', { timeout: 240_000 }, () => {
  let dir: string;
  let cert: SelfSignedCert;
  let origin: Origin;
  let proxy: ResettingProxy;
  let devnet: Devnet;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bandex-switch-'));
    cert = selfSignedCert();
    origin = await startOrigin(SIZE);
    const obfsPort = await freePort();
    // The censor resets the obfs flow once it has carried 6 MiB to the client, then every obfs connection.
    proxy = await startResettingProxy(obfsPort, 6 * 1024 * 1024);
    devnet = await startDevnetBehindCensor({ stateDir: join(dir, 'devnet'), cert, obfsPort, censorPort: proxy.port });
  });
  after(async () => {
    await devnet?.stop();
    await proxy?.close();
    await origin?.close();
    if (cert) removeCert(cert);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the download completes over wss on the same channel, paid once', async () => {
    const api = `${devnet.info.client.api}/api/status`;
    const before = await getJson<SwitchingClientStatus>(api);
    assert.equal(before.path[0]?.transport, 'obfs');
    const channelId = before.path[0]?.channelId;
    const file = join(dir, 'download.bin');
    // The application retries and resumes (a range request from what it has).
    await new Promise<void>((resolve, reject) =>
      execFile(
        'curl',
        [
          '-sS',
          '--fail',
          '--max-time',
          '120',
          '--retry',
          '5',
          '--retry-all-errors',
          '--retry-delay',
          '1',
          '-C',
          '-',
          '-o',
          file,
          '--socks5-hostname',
          devnet.info.socks,
          `http://127.0.0.1:${origin.port}/file.bin`,
        ],
        (error, _stdout, stderr) => (error ? reject(new Error(`curl: ${stderr}`)) : resolve()),
      ),
    );
    assert.equal(
      createHash('sha256').update(readFileSync(file)).digest('hex'),
      createHash('sha256').update(origin.body).digest('hex'),
    );
    assert.ok(proxy.resets >= 1, 'the censor reset the obfs flow');
    const after = await getJson<SwitchingClientStatus>(api);
    assert.equal(after.path[0]?.transport, 'wss', 'the new path reached the provider over wss');
    assert.equal(after.path[0]?.channelId, channelId, 'on the same payment channel');
    assert.ok(after.sessionsTotal >= 2);
    // Resumed, not downloaded twice; every byte carried paid for once (within a tick per session).
    assert.ok(after.bytesDown < SIZE * 1.4, `carried ${after.bytesDown} for a ${SIZE}-byte file`);
    const price = BigInt(after.path[0]?.priceWeiPerGiB ?? '0');
    const owed = (BigInt(after.bytesDown + after.bytesUp) * price) / GIB;
    const paid = BigInt(after.paidWei);
    // A tick per session (rounding up), plus what the provider sent into the flow the censor reset and the
    // client never got: the provider counted it served, and the next session's opening voucher pays the
    // channel's debt (docs/protocol.md). The credit window bounds it (the provider sends no further ahead of
    // payment); paying the resumed download twice would be ≥ 6 MiB more.
    const inFlightAtReset = (BigInt(CREDIT_WINDOW) * price) / GIB;
    const slack = tickValueFor(price) * BigInt(after.sessionsTotal + 1) + inFlightAtReset;
    assert.ok(paid + slack >= owed && paid <= owed + slack, `paid ${paid}, owed ${owed}, slack ${slack}`);
    process.stdout.write(
      `# switch: paid − owed = ${paid - owed} wei (${Number(((paid - owed) * GIB) / price) / 1024} KiB)\n`,
    );
  });
});
