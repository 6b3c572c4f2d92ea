/**
 * The auditor's archive on real parts: a real reputation book, real SQLite stores, the real API server.
 * Reports the auditor signs and hears are archived and served with their signatures, which verify; probe
 * receipts are served with both signatures; bad queries get a 400 naming the parameter.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { checkpointIdOf, isReceiptSignedBy, type Receipt, sessionIdOf, signReceipt } from '../accounting/receipt.ts';
import { type ApiServer, startApiServer } from '../api/startApiServer.ts';
import { silentLogger } from '../log/logger.ts';
import { type AuditReport, signAuditReport, verifyAuditReport } from '../reputation/auditReport.ts';
import { ReputationBook } from '../reputation/ReputationBook.ts';
import { AuditReportStore } from '../store/AuditReportStore.ts';
import { openDatabase } from '../store/openDatabase.ts';
import { ReceiptStore } from '../store/ReceiptStore.ts';
import { AuditArchive } from './AuditArchive.ts';

const me = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const peer = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const provider = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
const domain = { chainId: 31337, registry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as const };

const report = (auditor: typeof me, epoch: number): AuditReport => ({
  auditor: auditor.address,
  provider: provider.address,
  epoch,
  probesSent: 8,
  probesDelivered: 7,
  rttMicros: 1_200,
  throughputBps: 1_000_000,
  claimedBps: 2_000_000,
  sessionsAttempted: 2,
  sessionsServed: 2,
  probePayer: '0x000000000000000000000000000000000000bEEF',
  probeSession: `0x${'5e'.repeat(32)}`,
  bytesReceived: 4_096,
});

describe('the auditor archive', () => {
  let api: ApiServer;
  let archive: AuditArchive;
  let file: string;
  const channelId = `0x${'22'.repeat(32)}` as Hex;
  const session = sessionIdOf(channelId, `0x${'01'.repeat(32)}`);
  before(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'bandex-archive-')), 'auditor.db');
    const db = openDatabase({ file });
    const book = new ReputationBook();
    const receipts = new ReceiptStore(db);
    archive = new AuditArchive({
      book,
      reports: new AuditReportStore(db),
      receipts,
      auditor: me.address,
      domain,
      logger: silentLogger,
    });
    archive.start();
    api = await startApiServer({ routes: archive.routes() });
    // One report signed by this auditor, one heard from another, for epoch 5; another epoch too.
    book.add(await signAuditReport(me, domain, report(me, 5)));
    book.add(await signAuditReport(peer, domain, report(peer, 5)));
    book.add(await signAuditReport(peer, domain, report(peer, 6)));
    const receipt: Receipt = {
      sessionId: checkpointIdOf(session, 0),
      channelId,
      bytesUp: 10n,
      bytesDown: 2n ** 40n,
      amount: 10n ** 20n,
      startTime: 1_800_000_000n,
      endTime: 1_800_000_010n,
    };
    receipts.save({
      receipt,
      session,
      seq: 0,
      payer: me.address,
      provider: provider.address,
      clientSignature: await signReceipt(me, domain, receipt),
      providerSignature: await signReceipt(provider, domain, receipt),
    });
  });
  after(async () => {
    archive?.stop();
    await api?.close();
  });

  it('serves the reports of a provider and epoch, own and heard, with signatures that verify', async () => {
    const res = await fetch(`${api.url}/audit/reports?provider=${provider.address}&epoch=5`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { reports: { report: AuditReport; signature: Hex; own: boolean }[] };
    assert.equal(body.reports.length, 2);
    assert.deepEqual(body.reports.map((r) => r.own).sort(), [false, true]);
    for (const { report: r, signature } of body.reports) await verifyAuditReport(domain, { report: r, signature });
    // Survives a restart: the archive is the database, not the book's memory.
    assert.equal(new AuditReportStore(openDatabase({ file })).list({ provider: provider.address }).length, 3);
  });

  it("serves a session's receipts with both signatures, re-checkable by anyone", async () => {
    const res = await fetch(`${api.url}/audit/receipts?session=${session}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      receipts: { receipt: Record<keyof Receipt, string>; providerSignature: Hex; clientSignature: Hex }[];
    };
    const [served] = body.receipts;
    assert.ok(served);
    const receipt: Receipt = {
      sessionId: served.receipt.sessionId as Hex,
      channelId: served.receipt.channelId as Hex,
      bytesUp: BigInt(served.receipt.bytesUp),
      bytesDown: BigInt(served.receipt.bytesDown),
      amount: BigInt(served.receipt.amount),
      startTime: BigInt(served.receipt.startTime),
      endTime: BigInt(served.receipt.endTime),
    };
    assert.equal(receipt.bytesDown, 2n ** 40n);
    assert.equal(await isReceiptSignedBy(domain, receipt, served.providerSignature, provider.address), true);
    assert.equal(await isReceiptSignedBy(domain, receipt, served.clientSignature, me.address), true);
  });

  it('a malformed query is a 400 naming the parameter; nothing else is served', async () => {
    for (const query of ['/audit/reports?provider=0x12', '/audit/reports?epoch=-1', '/audit/receipts?session=0xab']) {
      const res = await fetch(`${api.url}${query}`);
      assert.equal(res.status, 400, query);
      const body = (await res.json()) as { code: string; error: string };
      assert.equal(body.code, 'API_BAD_QUERY');
      assert.match(body.error, /provider|epoch|session/);
    }
    assert.equal((await fetch(`${api.url}/audit/reports`, { method: 'POST' })).status, 405);
  });
});
