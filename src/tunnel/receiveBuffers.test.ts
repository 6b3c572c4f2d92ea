/**
 * The provider's receive budget is one count over every session of a listener (issue 14: 256 MiB per
 * process, however many sessions): what one session's streams hold for a destination that does not read
 * shows in the count every other session is granted against, and leaves it when the session ends.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectClientSession } from './connectClientSession.ts';
import { createExitPolicy } from './exitPolicy.ts';
import type { MuxSession } from './MuxSession.ts';
import { startTunnelListener } from './startTunnelListener.ts';
import { generateStaticKeyPair } from './x25519.ts';

const stalled = new Set<Socket>();
const stall = createServer((s) => {
  stalled.add(s);
  s.pause(); // accepts, never reads
});
after(async () => {
  for (const s of stalled) s.destroy();
  stall.close();
});

it('sessions of one listener count their buffered DATA in one shared budget', async () => {
  stall.listen(0, '127.0.0.1');
  await once(stall, 'listening');
  const port = (stall.address() as { port: number }).port;
  const keys = generateStaticKeyPair();
  const sessions: MuxSession[] = [];
  const listener = await startTunnelListener({
    staticKeys: keys,
    policy: createExitPolicy({ devnet: true }),
    onSession: (s) => sessions.push(s),
  });
  const hop = { host: listener.address.host, port: listener.address.port, publicKey: keys.publicKey };
  const [a, b] = [await connectClientSession({ hops: [hop] }), await connectClientSession({ hops: [hop] })];
  try {
    const stream = await a.openStream({ host: '127.0.0.1', port });
    // More than the kernel and the exit socket take: the rest stays in the stream, for a destination that does not read.
    for (let i = 0; i < 512; i++) stream.write(Buffer.alloc(64 * 1024, 1));
    await sleep(1_000);
    const [first, second] = sessions as [MuxSession, MuxSession];
    assert.equal(first.receiveBuffers, second.receiveBuffers, 'one count for the listener');
    assert.ok(first.bufferedBytes > 0, 'the stalled stream holds bytes');
    assert.ok(second.receiveBuffers.bytes >= first.bufferedBytes, 'the other session sees them');
    a.close();
    await sleep(200);
    assert.equal(second.receiveBuffers.bytes, 0, 'released with the session');
  } finally {
    a.close();
    b.close();
    await listener.close();
  }
});
