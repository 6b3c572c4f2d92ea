/**
 * Issue 15, the seam bug: the SOCKS5 front asks the client daemon for an early stream
 * (`openStream(destination, { early: true })`: resolve once the OPEN is sent, as ss-local does) and
 * the daemon must honour it, so a CONNECT is answered before the exit has reached the destination.
 * Deterministic probe: a CONNECT to a port nobody listens on. The exit refuses it (connection
 * refused), so a daemon that waits for the exit's answer replies 0x05; one that honours `early`
 * has already replied success (0x00) and then closes the connection when the refusal arrives.
 * A real devnet (1 provider, no auditors), driven through the client daemon's own SOCKS5 port.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Devnet, startDevnet } from '../../src/devnet/startDevnet.ts';

/** A local port that was free a moment ago and has no listener now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the client daemon honours the SOCKS front’s optimistic CONNECT', { timeout: 120_000 }, () => {
  let dir: string;
  let devnet: Devnet;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bandex-early-'));
    devnet = await startDevnet({ stateDir: join(dir, 'devnet'), providers: 1, auditors: 0 });
    await devnet.client.connect();
  });
  after(async () => {
    await devnet?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('replies success before the exit answers, then closes when the exit refuses', async () => {
    const port = await closedPort();
    const { host, port: socksPort } = devnet.client.socks.address;
    const socket = netConnect({ host, port: socksPort });
    socket.on('error', () => {});
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Greeting (no authentication) and CONNECT 127.0.0.1:port together.
    socket.write(Buffer.of(5, 1, 0, 5, 1, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xff));
    await once(socket, 'close');
    const reply = [...Buffer.concat(chunks)];
    // Method reply [5, 0], then the CONNECT reply: version 5, code at index 3 of it.
    assert.deepEqual(reply.slice(0, 2), [5, 0]);
    assert.equal(reply[3], 0, `CONNECT reply code ${reply[3]} (0x05 = the daemon waited for the exit's refusal)`);
    assert.deepEqual(reply, [5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });
});
