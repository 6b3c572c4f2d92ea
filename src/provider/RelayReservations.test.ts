/**
 * NAT traversal's relay (docs/nat.md) over real sockets: a relay's tunnel listener holding reservations, a
 * NATed provider's listener reached only through its reservation, a client path relay → NATed provider →
 * origin; and the adversaries: a relay that reads or alters what it carries, an unregistered or replayed
 * reservation, a reservation flood, a client using the relay to reach something that is not a reservation,
 * a punch request trying to aim the NATed provider's connection at another address.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Address, LocalAccount } from 'viem';
import { muxGet, type Origin, startOrigin } from '../../test/support/tunnelHarness.ts';
import { devAccount } from '../chain/devAccounts.ts';
import { codeOf } from '../errors/codeOf.ts';
import { silentLogger } from '../log/logger.ts';
import { decodePunchAnswer, isPunchRequest } from '../net/punchRequest.ts';
import { reservedDestination } from '../net/relayEndpoint.ts';
import {
  decodeReservationAnswer,
  encodeReservationRequest,
  isReservationRequest,
  signReservationRequest,
} from '../net/reservationRequest.ts';
import { connectClientSession } from '../tunnel/connectClientSession.ts';
import { OpenKind, SocksReply } from '../tunnel/constants.ts';
import { createExitPolicy } from '../tunnel/exitPolicy.ts';
import type { Destination } from '../tunnel/muxFrame.ts';
import { SecureChannel } from '../tunnel/SecureChannel.ts';
import { startTunnelListener, type TunnelListener } from '../tunnel/startTunnelListener.ts';
import { generateStaticKeyPair, type StaticKeyPair } from '../tunnel/x25519.ts';
import { NatReservation } from './NatReservation.ts';
import { RelayReservations } from './RelayReservations.ts';

const CHAIN_ID = 31337;

/** What a relay's splice carries, seen by a relay that copies it (and, with `flip`, alters one byte). */
function tap(inner: Duplex, seen: Buffer[], flip: boolean): Duplex {
  let flipped = false;
  const outer = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      seen.push(Buffer.from(chunk));
      inner.write(chunk, callback);
    },
    final(callback) {
      inner.end();
      callback();
    },
    read() {
      inner.resume();
    },
    destroy(error, callback) {
      inner.destroy();
      callback(error);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    seen.push(Buffer.from(chunk));
    let out = chunk;
    if (flip && !flipped && chunk.length > 40) {
      out = Buffer.from(chunk);
      out[40] = (out[40] as number) ^ 1;
      flipped = true;
    }
    if (!outer.push(out)) inner.pause();
  });
  inner.once('end', () => outer.push(null));
  inner.once('close', () => outer.destroy());
  return outer;
}

describe('relay reservations (NAT traversal)', () => {
  const relayKeys = generateStaticKeyPair();
  const natKeys = generateStaticKeyPair();
  const natAccount = devAccount(3);
  const registered = new Set<Address>([natAccount.address, devAccount(4).address, devAccount(5).address]);
  const carried: Buffer[] = [];
  let mode: 'honest' | 'tamper' = 'honest';
  let relays: RelayReservations;
  let relay: TunnelListener;
  let natted: TunnelListener;
  let reservation: NatReservation;
  let origin: Origin;

  before(async () => {
    origin = await startOrigin(2 * 1024 * 1024 + 5);
    relays = new RelayReservations({
      chainId: CHAIN_ID,
      relayKey: relayKeys.publicKey,
      isRegistered: async (provider) => registered.has(provider),
      maxReservations: 2,
      logger: silentLogger,
    });
    relay = await startTunnelListener<{ reservation?: Address; client?: true }>({
      staticKeys: relayKeys,
      policy: createExitPolicy({ devnet: true }),
      // Clients are admitted unpaid here (payment is not under test); reservations go through the real checks.
      admit: (payload, remoteStatic, source) =>
        isPunchRequest(payload)
          ? relays.punch(payload, source)
          : isReservationRequest(payload)
            ? relays.admit(payload, remoteStatic)
            : Promise.resolve({ answer: Buffer.alloc(0), admitted: { client: true } }),
      dedicated: relays.dedicated,
      reserved: (destination: Destination) => {
        const connection = relays.reserved(destination);
        return connection?.then((stream) => tap(stream, carried, mode === 'tamper'));
      },
    });
    natted = await startTunnelListener({ staticKeys: natKeys, policy: createExitPolicy({ devnet: true }) });
    reservation = new NatReservation({
      account: natAccount,
      chainId: CHAIN_ID,
      staticKeys: natKeys,
      findRelay: async () => ({ address: devAccount(6).address, ...relay.address, publicKey: relayKeys.publicKey }),
      accept: (stream, source) => natted.acceptTransport(stream, source),
      logger: silentLogger,
    });
    await reservation.start();
  });

  after(async () => {
    await reservation.stop();
    relays.close();
    await relay.close();
    await natted.close();
    await origin.close();
  });

  const pathToNatted = () =>
    connectClientSession({
      hops: [
        { ...relay.address, publicKey: relayKeys.publicKey },
        { ...reservedDestination(natAccount.address), publicKey: natKeys.publicKey },
      ],
    });

  it('a client reaches the NATed provider through the relay; the relay carries only ciphertext', async () => {
    assert.equal(reservation.relay, devAccount(6).address);
    carried.length = 0;
    const session = await pathToNatted();
    try {
      const stream = await session.openStream({ host: '127.0.0.1', port: origin.port });
      const body = await muxGet(stream, origin.port);
      assert.ok(body.equals(origin.body), `got ${body.length} bytes of ${origin.body.length}`);
      assert.equal(natted.sessions.size, 1, 'the NATed provider served the session');
      // The relay's client session metered what it carried (what the relay is paid for).
      assert.ok((session.hops[0]?.meter.received ?? 0) >= origin.body.length);
      const seen = Buffer.concat(carried);
      assert.ok(seen.length >= origin.body.length);
      const sample = origin.body.subarray(1_000_000, 1_000_064);
      assert.equal(seen.indexOf(sample), -1, 'the relay saw plaintext of the download');
      assert.equal(seen.indexOf(Buffer.from(`Host: 127.0.0.1:${origin.port}`)), -1, 'the relay saw the request');
    } finally {
      session.close();
    }
  });

  it('a relay that alters the relayed bytes breaks the session: nothing it changed is accepted', async () => {
    mode = 'tamper';
    try {
      await assert.rejects(async () => {
        const session = await pathToNatted();
        try {
          const stream = await session.openStream({ host: '127.0.0.1', port: origin.port });
          await muxGet(stream, origin.port);
        } finally {
          session.close();
        }
      });
    } finally {
      mode = 'honest';
    }
  });

  const reserveAs = async (account: LocalAccount, keys: StaticKeyPair, signedFor: Buffer = keys.publicKey) => {
    const request = await signReservationRequest(
      account,
      { chainId: CHAIN_ID, relayKey: relayKeys.publicKey, providerKey: signedFor },
      Math.floor(Date.now() / 1000) + 60,
    );
    const session = await connectClientSession({
      hops: [
        {
          ...relay.address,
          publicKey: relayKeys.publicKey,
          staticKeys: keys,
          hello: encodeReservationRequest(request),
        },
      ],
    });
    return { session, answer: decodeReservationAnswer(session.exit.channel.handshakePayload) };
  };

  it('an unregistered provider, or a request made for another tunnel key, gets no reservation', async () => {
    const stranger = await reserveAs(devAccount(7), generateStaticKeyPair());
    stranger.session.close();
    assert.deepEqual(stranger.answer, { ok: false, reason: 'not a registered provider with stake' });
    // The NATed provider's request, replayed by someone holding another tunnel key.
    const replayed = await reserveAs(natAccount, generateStaticKeyPair(), natKeys.publicKey);
    replayed.session.close();
    assert.equal(replayed.answer.ok, false);
    assert.match((replayed.answer as { reason: string }).reason, /signature/);
    assert.equal(relays.size, 1);
  });

  it('reservations are bounded: beyond the limit, registered providers are refused', async () => {
    const second = await reserveAs(devAccount(4), generateStaticKeyPair());
    const third = await reserveAs(devAccount(5), generateStaticKeyPair());
    try {
      assert.deepEqual(second.answer, { ok: true });
      assert.equal(third.answer.ok, false);
      assert.match((third.answer as { reason: string }).reason, /all the reservations/);
    } finally {
      second.session.close();
      third.session.close();
    }
  });

  it('a client cannot use a relay to reach what is not a reservation; a reservation cannot reach anything', async () => {
    const session = await connectClientSession({ hops: [{ ...relay.address, publicKey: relayKeys.publicKey }] });
    try {
      await assert.rejects(
        session.exit.openStream(reservedDestination(devAccount(9).address), { kind: OpenKind.relay }),
        (error) =>
          codeOf(error) === 'TUNNEL_OPEN_FAILED' &&
          (error as { meta?: { reply?: number } }).meta?.reply === SocksReply.hostUnreachable,
      );
    } finally {
      session.close();
    }
    // The reservation's own session: no exit, no dial, no other reservation.
    const held = await reserveAs(devAccount(4), generateStaticKeyPair());
    try {
      assert.deepEqual(held.answer, { ok: true });
      for (const [destination, kind] of [
        [{ host: '127.0.0.1', port: origin.port }, OpenKind.connect],
        [{ host: '127.0.0.1', port: origin.port }, OpenKind.relay],
        [reservedDestination(natAccount.address), OpenKind.relay],
        [{ host: `c${randomBytes(8).toString('hex')}`, port: 1 }, OpenKind.relay],
      ] as const) {
        await assert.rejects(
          held.session.exit.openStream(destination, { kind }),
          (error) => codeOf(error) === 'TUNNEL_OPEN_FAILED',
        );
      }
    } finally {
      held.session.close();
    }
  });

  it('a punch makes the NATed provider connect back to the requester’s observed address only', async () => {
    const server = createServer();
    const connected = new Promise<string | undefined>((resolve) =>
      server.once('connection', (socket) => {
        resolve(socket.remoteAddress);
        socket.destroy();
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const punch = async (provider: Address) => {
      const socket = netConnect(relay.address);
      socket.on('error', () => {});
      // A `host` naming a victim is no field of the request: the relay uses the address it saw.
      const payload = Buffer.from(JSON.stringify({ type: 'punch', v: 1, provider, port, host: '192.0.2.1' }));
      const channel = await SecureChannel.open({
        transport: socket,
        localStatic: generateStaticKeyPair(),
        remoteStatic: relayKeys.publicKey,
        payload,
      });
      channel.close();
      return decodePunchAnswer(channel.handshakePayload);
    };
    try {
      assert.deepEqual(await punch(devAccount(9).address), { ok: false, reason: 'no reservation for this provider' });
      const answer = await punch(natAccount.address);
      assert.equal(answer.ok, true);
      assert.equal((answer as { observed: string }).observed, '127.0.0.1');
      assert.equal(await connected, '127.0.0.1');
    } finally {
      server.close();
    }
  });
});
