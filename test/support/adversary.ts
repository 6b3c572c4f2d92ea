/**
 * The adversarial suite's bench (issue 14): a real chain with the real contracts, a real provider in a
 * process of its own (`providerProcess.ts`: SIGKILL-able, its memory measurable), and a misbehaving
 * client built on the real code — session proposals in the real Noise handshake, the real tunnel and
 * mux, real EIP-712 vouchers and hash-chain ticks — that sends whatever an attacker would. Origins on
 * loopback count what crossed the exit. `unpaid()` says what a channel got that its claim does not pay for.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { type Hex, type LocalAccount, parseUnits } from 'viem';
import { TICK_BYTES } from '../../src/accounting/constants.ts';
import { PayerChannel } from '../../src/accounting/PayerChannel.ts';
import { tickValueFor } from '../../src/accounting/price.ts';
import type { ChannelsDomain } from '../../src/accounting/voucher.ts';
import { buyRbt } from '../../src/chain/actions/buyRbt.ts';
import { openChannel } from '../../src/chain/actions/openChannelFor.ts';
import { registerProvider } from '../../src/chain/actions/registerProvider.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { devAccount, devPrivateKey } from '../../src/chain/devAccounts.ts';
import { type EmbeddedChain, startEmbeddedChain } from '../../src/chain/startEmbeddedChain.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { loadOrCreatePeerKey } from '../../src/net/loadOrCreatePeerKey.ts';
import type { SignedOffer } from '../../src/net/offer.ts';
import { decodeAnswer, encodeProposal, newSessionNonce, type SessionAnswer } from '../../src/net/sessionMessages.ts';
import { loadOrCreateTunnelKey } from '../../src/provider/loadOrCreateTunnelKey.ts';
import { createPathBuilder } from '../../src/session/buildPath.ts';
import { signSessionProposal } from '../../src/session/proposalSignature.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { type FullySignedReceipt, ReceiptStore } from '../../src/store/ReceiptStore.ts';
import { type ClientSession, connectClientSession } from '../../src/tunnel/connectClientSession.ts';
import { generateStaticKeyPair, type StaticKeyPair } from '../../src/tunnel/x25519.ts';

export const PRICE = parseUnits('100', 18);
export const TICK_VALUE = tickValueFor(PRICE);
/** The credit window the attacker asks for (the clients' default). */
export const CREDIT = 4 * 1024 * 1024;
/** What a misbehaving client may get unpaid per channel: one credit window, plus the one 64 KiB frame the
 * gate lets through before it closes (it is checked per meter unit). */
export const UNPAID_BOUND = CREDIT + TICK_BYTES;
export const DEPOSIT = parseUnits('100', 18);

export type ProviderProcess = {
  address: `0x${string}`;
  peerId: string;
  multiaddrs: string[];
  tunnel: { host: string; port: number };
  api: string;
  pid: number;
  /** Sessions the provider ended, by error code (its `/metrics`). */
  errors(): Promise<Record<string, number>>;
  /** Resident memory of the provider process, KiB. */
  rssKiB(): number;
  /** SIGKILL, then the same state directory started again. */
  killAndRestart(): Promise<void>;
  stop(): Promise<void>;
};

export type ProposeOptions = {
  /** The channel's payer (the proposal's `payer`); signs unless `signer` is given. */
  payer: LocalAccount;
  signer?: LocalAccount;
  channelId: Hex;
  creditBytes?: number;
  nonce?: Hex;
  expiry?: number;
  keys?: StaticKeyPair;
  /** Run the handshake with these keys instead of the signed `keys` (another client's proposal). */
  handshakeKeys?: StaticKeyPair;
  /** Sign for another domain or provider than the real one. */
  signDomain?: ChannelsDomain;
  signProvider?: `0x${string}`;
  priceWeiPerGiB?: bigint;
  /** Take a PROPOSAL_RATE_LIMITED refusal as the answer instead of waiting and proposing again. */
  noRetry?: boolean;
};

export type Origins = {
  /** Sends bytes until the connection closes. */
  download: number;
  /** Reads and counts; never writes. */
  sink: number;
  /** Accepts and never reads. */
  stall: number;
  /** Bytes the sink received, over all connections. */
  sunk(): number;
  stop(): Promise<void>;
};

export type AdversaryBench = {
  chain: EmbeddedChain;
  domain: ChannelsDomain;
  provider: ProviderProcess;
  /** The provider's offer as a client uses it (its tunnel endpoint and key, read now: a restart moves the port). */
  offer(): SignedOffer;
  origins: Origins;
  /** Funded dev account `index` (RBT bought). */
  account(index: number): Promise<LocalAccount>;
  openChannel(payer: LocalAccount, deposit?: bigint): Promise<Hex>;
  /**
   * Connects to the provider's tunnel with `options`' proposal in the handshake: its answer, and the
   * session when accepted (kept open until the bench stops; close it to end it sooner).
   */
  propose(options: ProposeOptions): Promise<{ answer: SessionAnswer; keys: StaticKeyPair; session?: ClientSession }>;
  /** Proposes in the handshake; the accepted session (throws on a refusal). */
  session(options: ProposeOptions): Promise<{ session: ClientSession; answer: SessionAnswer & { ok: true } }>;
  payer(account: LocalAccount, channelId: Hex, alreadyPromised?: bigint, deposit?: bigint): PayerChannel;
  /** The provider's durable view of a channel (read from its database). */
  claim(channelId: Hex): { value: bigint; served: number };
  /** The provider's newest receipt of `sessionId` with both signatures (read from its database). */
  providerReceipt(sessionId: Hex): FullySignedReceipt | undefined;
  /** Bytes a channel got (`got`: what its attacker received plus what crossed the exit) beyond what its claim pays. */
  unpaid(channelId: Hex, got: number): number;
  /** An honest client downloads `bytes` through the provider: returns what arrived. */
  honestDownload(bytes: number): Promise<number>;
  stop(): Promise<void>;
};

const PROVIDER_SCRIPT = join(import.meta.dirname, 'providerProcess.ts');
const PROVIDER_INDEX = 2;

export async function startAdversaryBench(
  name: string,
  options: { fault?: 'equivocate' } = {},
): Promise<AdversaryBench> {
  const dir = mkdtempSync(join(tmpdir(), `bandex-adversary-${name}-`));
  const chain = await startEmbeddedChain({ port: 0, deploymentsDir: join(dir, 'deployments') });
  const { deployment } = chain;
  const domain = { chainId: deployment.chainId, channels: deployment.contracts.channels };
  const stateDir = join(dir, 'provider');
  const providerClient = createChainClient(chain.anvil.rpcUrl, devAccount(PROVIDER_INDEX));
  const { privateKey } = await loadOrCreatePeerKey(join(stateDir, 'peer.key'));
  await buyRbt(providerClient, { deployment, reserveIn: 2_000n * 10n ** 6n, useFaucet: true });
  await registerProvider(providerClient, {
    deployment,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    priceWeiPerGiB: PRICE,
    region: 'DE',
    capacityBytesPerSecond: 100_000_000,
    stakeWei: parseUnits('1000', 18),
  });
  const provider = await startProviderProcess({
    rpc: chain.anvil.rpcUrl,
    deploymentFile: chain.deploymentFile,
    stateDir,
    key: devPrivateKey(PROVIDER_INDEX),
    ...options,
  });
  provider.address = devAccount(PROVIDER_INDEX).address;
  const tunnelPublicKey = loadOrCreateTunnelKey(join(stateDir, 'tunnel.key')).publicKey.toString('base64');
  const offer = () =>
    ({
      offer: {
        provider: provider.address,
        peerId: provider.peerId,
        priceWeiPerGiB: PRICE,
        endpoints: [`${provider.tunnel.host}:${provider.tunnel.port}`],
        tunnelPublicKey,
        transports: [],
        protocols: [],
      },
    }) as unknown as SignedOffer;
  const sessions = new Set<ClientSession>();
  const origins = await startOrigins();
  const funded = new Map<number, LocalAccount>();
  const account = async (index: number) => {
    const known = funded.get(index);
    if (known) return known;
    const a = devAccount(index);
    await buyRbt(createChainClient(chain.anvil.rpcUrl, a), {
      deployment,
      reserveIn: 3_000n * 10n ** 6n,
      useFaucet: true,
    });
    funded.set(index, a);
    return a;
  };
  const dbFile = join(stateDir, 'provider.db');

  const propose = async (o: ProposeOptions) => {
    const keys = o.keys ?? generateStaticKeyPair();
    const clientTunnelKey = keys.publicKey.toString('base64');
    const sessionNonce = o.nonce ?? newSessionNonce();
    const expiry = o.expiry ?? Math.floor(Date.now() / 1000) + 60;
    const signature = await signSessionProposal(o.signer ?? o.payer, o.signDomain ?? domain, {
      channelId: o.channelId,
      provider: o.signProvider ?? provider.address,
      clientTunnelKey,
      sessionNonce,
      expiry,
    });
    const price = o.priceWeiPerGiB ?? PRICE;
    const hello = Buffer.from(
      encodeProposal({
        channelId: o.channelId,
        payer: o.payer.address,
        tickAnchor: `0x${'00'.repeat(32)}`,
        tickValue: tickValueFor(price),
        priceWeiPerGiB: price,
        creditBytes: o.creditBytes ?? CREDIT,
        chainId: domain.chainId,
        channels: domain.channels,
        sessionNonce,
        clientTunnelKey,
        expiry,
        signature,
      }),
    );
    const send = async () => {
      let answer: SessionAnswer | undefined;
      const session = await connectClientSession({
        hops: [
          {
            host: provider.tunnel.host,
            port: provider.tunnel.port,
            publicKey: Buffer.from(tunnelPublicKey, 'base64'),
            staticKeys: o.handshakeKeys ?? keys,
            hello,
          },
        ],
        onHop: async (hop) => {
          answer = decodeAnswer(hop.channel.handshakePayload);
        },
      });
      if (!answer?.ok) {
        session.close();
        return { answer: answer as SessionAnswer, session: undefined };
      }
      sessions.add(session);
      session.exit.once('close', () => sessions.delete(session));
      return { answer, session };
    };
    let sent = await send();
    // The suite proposes far faster than a client does: wait out the provider's per-source rate limit.
    for (let i = 0; i < 20 && !o.noRetry && !sent.answer.ok && sent.answer.code === 'PROPOSAL_RATE_LIMITED'; i++) {
      await new Promise((r) => setTimeout(r, 600));
      sent = await send();
    }
    return { ...sent, keys };
  };

  const claim = (channelId: Hex) => {
    const store = new ChannelStore(openDatabase({ file: dbFile }));
    try {
      return { value: store.latestClaim(channelId)?.value ?? 0n, served: store.servedBytes(channelId) };
    } finally {
      store.close();
    }
  };

  return {
    chain,
    domain,
    provider,
    offer,
    origins,
    account,
    openChannel: async (payer, deposit = DEPOSIT) => {
      const { channelId } = await openChannel(createChainClient(chain.anvil.rpcUrl, payer), {
        deployment,
        payee: provider.address,
        deposit,
      });
      return channelId;
    },
    propose,
    session: async (o) => {
      const { answer, session } = await propose(o);
      if (!answer.ok || !session) throw new Error(`refused: ${answer.ok ? '' : `${answer.code} ${answer.reason}`}`);
      return { session, answer };
    },
    payer: (a, channelId, alreadyPromised = 0n, deposit = DEPOSIT) =>
      new PayerChannel({ account: a, domain, channelId, deposit, alreadyPromised, priceWeiPerGiB: PRICE }),
    claim,
    providerReceipt: (sessionId) => {
      const db = openDatabase({ file: dbFile });
      try {
        return new ReceiptStore(db).latestFullySigned(sessionId);
      } finally {
        db.close();
      }
    },
    unpaid: (channelId, got) => got - Number(claim(channelId).value / TICK_VALUE) * TICK_BYTES,
    honestDownload: async (bytes) => {
      const honest = await account(9);
      const store = new ChannelStore(
        openDatabase({ file: join(mkdtempSync(join(tmpdir(), 'bandex-honest-')), 'c.db') }),
      );
      const builder = createPathBuilder({
        client: createChainClient(chain.anvil.rpcUrl, honest),
        deployment,
        account: honest,
        store,
        depositWei: DEPOSIT,
        creditBytes: CREDIT,
        logger: silentLogger,
      });
      const path = await builder.build([offer()]);
      try {
        const stream = await path.session.openStream({ host: '127.0.0.1', port: origins.download });
        let got = 0;
        for await (const chunk of stream) {
          got += (chunk as Buffer).length;
          if (got >= bytes) break;
        }
        stream.destroy();
        await builder.settle(path);
        return got;
      } finally {
        path.session.close();
        store.close();
      }
    },
    stop: async () => {
      for (const session of sessions) session.close();
      await provider.stop();
      await origins.stop();
      await chain.stop();
    },
  } satisfies AdversaryBench;
}

async function startProviderProcess(config: {
  rpc: string;
  deploymentFile: string;
  stateDir: string;
  key: Hex;
  fault?: 'equivocate';
}): Promise<ProviderProcess> {
  let child: ChildProcessWithoutNullStreams;
  const launch = async () => {
    child = spawn(process.execPath, [PROVIDER_SCRIPT, JSON.stringify(config)]);
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`provider exited with ${code}: ${err}`)));
    });
    return JSON.parse(line) as {
      peerId: string;
      multiaddrs: string[];
      tunnel: { host: string; port: number };
      api: string;
    };
  };
  const first = await launch();
  const handle: ProviderProcess = {
    address: '0x',
    ...first,
    get pid() {
      return child.pid as number;
    },
    errors: async () => {
      const text = await (await fetch(`${handle.api}/metrics`)).text();
      const out: Record<string, number> = {};
      for (const m of text.matchAll(/^bandex_errors_total\{code="([A-Z_0-9]+)"\} (\d+)/gm))
        out[m[1] as string] = Number(m[2]);
      return out;
    },
    rssKiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    },
    killAndRestart: async () => {
      child.kill('SIGKILL');
      await once(child, 'exit');
      Object.assign(handle, await launch());
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
  return handle;
}

async function startOrigins(): Promise<Origins> {
  let sunk = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('close', () => sockets.delete(s));
  };
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const listen = async (onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> => {
    const server = createServer((s) => {
      track(s);
      onConnection(s);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, port: (server.address() as { port: number }).port };
  };
  const download = await listen((s) => {
    const pump = () => {
      while (!s.destroyed && s.write(chunk));
    };
    s.on('drain', pump);
    pump();
  });
  const sink = await listen((s) => s.on('data', (d: Buffer) => (sunk += d.length)));
  const stall = await listen((s) => s.pause());
  return {
    download: download.port,
    sink: sink.port,
    stall: stall.port,
    sunk: () => sunk,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([download, sink, stall].map(({ server }) => new Promise((r) => server.close(r))));
    },
  };
}
