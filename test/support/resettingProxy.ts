/**
 * A censor's middlebox in a test: a TCP proxy that forwards a transport's connections until one has
 * carried `resetAfterBytes` towards the client, then resets it (RST both ways) and from then on resets
 * every new connection at its first byte, as a censor that has identified the flow does.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ResettingProxy = { port: number; resets: number; connections: number; close(): Promise<void> };

export async function startResettingProxy(targetPort: number, resetAfterBytes: number): Promise<ResettingProxy> {
  const sockets = new Set<Socket>();
  const state = { resets: 0, connections: 0, blocking: false };
  const server: Server = createServer({ noDelay: true }, (client) => {
    state.connections++;
    sockets.add(client);
    client.on('error', () => {});
    client.once('close', () => sockets.delete(client));
    if (state.blocking) {
      client.once('data', () => {
        state.resets++;
        client.resetAndDestroy();
      });
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    sockets.add(upstream);
    upstream.on('error', () => {});
    upstream.once('close', () => sockets.delete(upstream));
    let down = 0;
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      down += chunk.length;
      if (down >= resetAfterBytes && !state.blocking) {
        state.blocking = true;
        state.resets++;
        client.resetAndDestroy();
        upstream.resetAndDestroy();
        return;
      }
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    upstream.once('end', () => client.end());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get resets() {
      return state.resets;
    },
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
