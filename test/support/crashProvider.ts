/**
 * A provider process for the crash test: serves 64 KiB data frames to one client while its payments
 * keep up (the real PayeeChannel credit rule), persisting every payment in SQLite before extending
 * credit. Killed with SIGKILL at random points by the test. With `redeem` set, it instead recovers its
 * best claim from the database, redeems it on chain, prints the claim's value and exits.
 * Configuration: one JSON argument.
 */
import { createServer } from 'node:net';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { TICK_BYTES } from '../../src/accounting/constants.ts';
import { decodePayment } from '../../src/accounting/messages.ts';
import { PayeeChannel } from '../../src/accounting/PayeeChannel.ts';
import { paymentChannelsAbi } from '../../src/chain/abi/paymentChannels.ts';
import { sendTransaction } from '../../src/chain/actions/sendTransaction.ts';
import { createChainClient } from '../../src/chain/chainClient.ts';
import { readDeployment } from '../../src/chain/deployment.ts';
import { ChannelStore } from '../../src/store/ChannelStore.ts';
import { openDatabase } from '../../src/store/openDatabase.ts';
import { DATA_FRAME, PAYMENT_FRAME, readFrames, writeFrame } from './frames.ts';

type Config = {
  rpc: string;
  deploymentFile: string;
  dbFile: string;
  providerKey: Hex;
  channelId: Hex;
  payer: Address;
  deposit: string;
  priceWeiPerGiB: string;
  creditBytes: number;
  redeem?: boolean;
};

const config = JSON.parse(process.argv[2] as string) as Config;
const deployment = readDeployment(config.deploymentFile);
const account = privateKeyToAccount(config.providerKey);
const store = new ChannelStore(openDatabase({ file: config.dbFile }));
store.saveChannel({
  channelId: config.channelId,
  role: 'payee',
  chainId: deployment.chainId,
  contract: deployment.contracts.channels,
  payer: config.payer,
  payee: account.address,
  deposit: BigInt(config.deposit),
});

if (config.redeem) {
  const claim = store.latestClaim(config.channelId);
  if (!claim) throw new Error('no claim stored');
  const client = createChainClient(config.rpc, account);
  await sendTransaction(client, {
    address: deployment.contracts.channels,
    abi: paymentChannelsAbi,
    functionName: 'redeemBatch',
    args: [
      [
        {
          voucher: claim.signed.voucher,
          signature: claim.signed.signature,
          preimage: claim.preimage,
          ticks: BigInt(claim.ticks),
        },
      ],
    ],
  });
  process.stdout.write(`${claim.value}\n`);
  process.exit(0);
}

const payee = new PayeeChannel({
  domain: { chainId: deployment.chainId, channels: deployment.contracts.channels },
  channelId: config.channelId,
  payer: config.payer,
  deposit: BigInt(config.deposit),
  priceWeiPerGiB: BigInt(config.priceWeiPerGiB),
  creditBytes: config.creditBytes,
  // What the channel was served and paid before this process: credit is the channel's, not the process's.
  restored: {
    servedBytes: store.servedBytes(config.channelId),
    claimValue: store.latestClaim(config.channelId)?.value ?? 0n,
  },
});
const chunk = Buffer.alloc(TICK_BYTES, 0x42);

const server = createServer((socket) => {
  let queue = Promise.resolve();
  const serve = () => {
    while (payee.canServe(chunk.length)) {
      payee.served(chunk.length);
      if (!writeFrame(socket, DATA_FRAME, chunk)) {
        socket.once('drain', serve);
        return;
      }
    }
  };
  readFrames(socket, (type, payload) => {
    if (type !== PAYMENT_FRAME) return;
    const payment = decodePayment(payload);
    queue = queue.then(async () => {
      try {
        if (payment.kind === 'tick') payee.acceptTick(payment.preimage);
        else payee.acceptVoucherSync(payment.signed);
        const claim = payee.claim;
        // Persist first, then extend credit: a crash loses at most what was served on credit.
        if (claim && payee.needsPersist) {
          store.saveClaim(config.channelId, claim);
          payee.markDurable(claim.value);
        }
        serve();
      } catch (error) {
        // A refused payment is a test failure, not a hang: say it and exit.
        process.stderr.write(`payment refused: ${(error as Error).message}\n`);
        process.exit(2);
      }
    });
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
