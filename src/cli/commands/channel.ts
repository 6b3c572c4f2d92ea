/**
 * `bandex channel list|open|topup|close|settle`: the payment channels where the wallet is payer or
 * payee. `close` submits the cooperative close a provider co-signed when `bandex connect` ended (one
 * transaction, refund at once); without one it is two steps: `close` starts the challenge period (the payee
 * may still redeem its latest voucher), `settle` ends the channel after it and refunds the payer.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { Address, Hex, LocalAccount, PublicClient } from 'viem';
import { getBlock } from 'viem/actions';
import { signStartClose } from '../../accounting/closeChannel.ts';
import { paymentChannelsAbi } from '../../chain/abi/paymentChannels.ts';
import { balanceOf } from '../../chain/actions/balanceOf.ts';
import { cooperativeCloseSigned } from '../../chain/actions/cooperativeCloseSigned.ts';
import { type GetChannelReturnType, getChannel, isChannelGone } from '../../chain/actions/getChannel.ts';
import { openChannel } from '../../chain/actions/openChannelFor.ts';
import { settleChannel } from '../../chain/actions/settleChannel.ts';
import { startCloseChannel } from '../../chain/actions/startCloseChannel.ts';
import { topUpChannel } from '../../chain/actions/topUpChannel.ts';
import type { ReadClient } from '../../chain/chainClient.ts';
import type { Deployment } from '../../chain/deployment.ts';
import { recoverHopKey } from '../../session/hopKeys.ts';
import { type CoSignedClose, decodeCoSignedClose, payerCloseKey } from '../../session/requestCooperativeClose.ts';
import { ChannelStore } from '../../store/ChannelStore.ts';
import { openDatabase } from '../../store/openDatabase.ts';
import { formatRbt, parseAddress, parseBytes32, parseRbt } from '../amounts.ts';
import {
  accountAddress,
  addAccountOptions,
  addChainOptions,
  type ChainFlags,
  openChain,
  openWallet,
} from '../chainContext.ts';
import { formatTime, InsufficientBalanceError, NotAllowedNowError } from '../errors.ts';
import { progress, reportProgress } from '../progress.ts';

/** Blocks per `eth_getLogs` request: public RPCs cap the range. */
const LOG_CHUNK = 10_000n;

export type ChannelStatus = 'open' | 'closing' | 'settleable' | 'closed';

export type ChannelRow = {
  id: Hex;
  role: 'payer' | 'payee';
  payer: Address;
  payee: Address;
  deposit: string;
  redeemed: string;
  status: ChannelStatus;
  /** When the challenge period ends (closing channels), ISO 8601. */
  closesAt: string | null;
};

export function channelCommand(): Command {
  return new Command('channel')
    .description('payment channels of the wallet: list, open, top up, close, settle')
    .addCommand(listCommand())
    .addCommand(openCommand())
    .addCommand(topUpCommand())
    .addCommand(closeCommand())
    .addCommand(settleCommand())
    .addHelpText(
      'after',
      `
A channel locks the payer's RBT deposit; the payee redeems signed vouchers from it. The payer ends it
with \`close\` (starts the challenge period, in which the payee can still redeem) and then \`settle\`
(refunds what was not redeemed). \`bandex connect\` opens and tops up channels by itself.

Examples:
  $ bandex channel list
  $ bandex channel open 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC 50
  $ bandex channel topup 0x9f…c2 25
  $ bandex channel close 0x9f…c2 && sleep 3600 && bandex channel settle 0x9f…c2`,
    );
}

type ChannelState = GetChannelReturnType;

function statusOf(channel: ChannelState, now: bigint): ChannelStatus {
  if (isChannelGone(channel)) return 'closed';
  if (channel.closesAt === 0n) return 'open';
  return now < channel.closesAt ? 'closing' : 'settleable';
}

/** Channels opened by or to `address`, from `ChannelOpened` events, with their current state. */
export async function listChannels(
  client: PublicClient,
  deployment: Deployment,
  address: Address,
): Promise<ChannelRow[]> {
  const latest = await client.getBlockNumber();
  const opened: { id: Hex; payer: Address; payee: Address; deposit: bigint }[] = [];
  for (let from = BigInt(deployment.deploymentBlock); from <= latest; from += LOG_CHUNK) {
    const to = from + LOG_CHUNK - 1n < latest ? from + LOG_CHUNK - 1n : latest;
    for (const args of [{ payer: address }, { payee: address }]) {
      const logs = await client.getContractEvents({
        address: deployment.contracts.channels,
        abi: paymentChannelsAbi,
        eventName: 'ChannelOpened',
        args,
        fromBlock: from,
        toBlock: to,
      });
      for (const log of logs) {
        const a = log.args as { channelId: Hex; payer: Address; payee: Address; deposit: bigint };
        if (!opened.some((o) => o.id === a.channelId))
          opened.push({ id: a.channelId, payer: a.payer, payee: a.payee, deposit: a.deposit });
      }
    }
  }
  const now = (await client.getBlock()).timestamp;
  return Promise.all(
    opened.map(async (o) => {
      const state = await getChannel(client, { deployment, channelId: o.id });
      const status = statusOf(state, now);
      const live = status !== 'closed';
      return {
        id: o.id,
        role: o.payer.toLowerCase() === address.toLowerCase() ? 'payer' : 'payee',
        payer: o.payer,
        payee: o.payee,
        deposit: formatRbt(live ? state.deposit : o.deposit),
        redeemed: formatRbt(state.redeemed),
        status,
        closesAt: live && state.closesAt !== 0n ? formatTime(state.closesAt) : null,
      } satisfies ChannelRow;
    }),
  );
}

function listCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('list')))
    .description('channels where the wallet (or --address) is payer or payee')
    .option('--address <address>', 'list for any address instead of the wallet', parseAddress)
    .addOption(new Option('--as <role>', 'only channels where it is payer or payee').choices(['payer', 'payee']))
    .option('--all', 'include closed channels')
    .option('--json', 'print a JSON array of channels (one line)')
    .addHelpText(
      'after',
      `
Status: open; closing (challenge period running, closesAt says until when); settleable (run
\`bandex channel settle\`); closed.

Examples:
  $ bandex channel list
  $ bandex channel list --as payee --all --json`,
    )
    .action(async (flags: ChainFlags & { address?: Address; as?: 'payer' | 'payee'; all?: boolean }) => {
      const { client, deployment, config } = await openChain(flags);
      const address = flags.address ?? (await accountAddress(config));
      const rows = (await listChannels(client, deployment, address)).filter(
        (row) => (flags.all || row.status !== 'closed') && (!flags.as || row.role === flags.as),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      if (rows.length === 0) {
        console.log(`No ${flags.all ? '' : 'open '}channels for ${address}`);
        return;
      }
      for (const row of rows) {
        const peer = row.role === 'payer' ? `to ${row.payee}` : `from ${row.payer}`;
        const closing = row.closesAt ? ` ${row.status === 'closing' ? 'until' : 'since'} ${row.closesAt}` : '';
        console.log(
          `${row.id}  ${row.role} ${peer}  deposit ${row.deposit}  redeemed ${row.redeemed}  ${row.status}${closing}`,
        );
      }
    });
}

function openCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('open')))
    .description('open a channel to PAYEE with a deposit of AMOUNT RBT (one transaction, permit signed locally)')
    .argument('<payee>', 'the provider address', parseAddress)
    .argument('<amount>', 'RBT deposit, in whole tokens', parseRbt)
    .option('--json', 'print one JSON line: id, payee, deposit')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex channel open 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC 50 --json`,
    )
    .action(async (payee: Address, deposit: bigint, flags: ChainFlags) => {
      const { client, deployment, account, wallet } = await openWallet(flags);
      if (payee.toLowerCase() === account.address.toLowerCase())
        throw new NotAllowedNowError({
          reason: 'a channel to yourself pays nobody',
          hint: 'pass the provider’s address as PAYEE',
        });
      await requireRbt(client, deployment, account.address, deposit, 'buy RBT first with `bandex token buy`');
      progress('open channel: signing permit');
      const { channelId } = await openChannel(wallet, { deployment, payee, deposit, onProgress: reportProgress });
      progress(`open channel: channel ${channelId}`);
      const result = { id: channelId, payer: account.address, payee, deposit: formatRbt(deposit) };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else console.log(`Opened channel ${channelId} to ${payee} with ${result.deposit} RBT`);
    });
}

async function requireRbt(
  client: ReadClient,
  deployment: Deployment,
  address: Address,
  amount: bigint,
  hint: string,
): Promise<void> {
  const balance = await balanceOf(client, { token: deployment.contracts.token, account: address });
  if (balance < amount)
    throw new InsufficientBalanceError({
      what: 'RBT',
      address,
      have: `${formatRbt(balance)} RBT`,
      need: `${formatRbt(amount)} RBT`,
      hint,
    });
}

async function requireChannel(client: ReadClient, deployment: Deployment, id: Hex): Promise<ChannelState> {
  const channel = await getChannel(client, { deployment, channelId: id });
  if (isChannelGone(channel))
    throw new NotAllowedNowError({
      reason: `no open channel ${id}`,
      hint: 'it never existed or is closed; see `bandex channel list --all`',
    });
  return channel;
}

function topUpCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('topup')))
    .description('add AMOUNT RBT to the deposit of channel ID')
    .argument('<id>', 'channel id (0x + 64 hex digits)', parseBytes32)
    .argument('<amount>', 'RBT to add, in whole tokens', parseRbt)
    .option('--json', 'print one JSON line: id, added, deposit')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex channel topup 0x9f2c…e1 25`,
    )
    .action(async (id: Hex, amount: bigint, flags: ChainFlags) => {
      const { client, deployment, account, wallet } = await openWallet(flags);
      await requireChannel(client, deployment, id);
      await requireRbt(client, deployment, account.address, amount, 'buy RBT first with `bandex token buy`');
      const receipt = await topUpChannel(wallet, { deployment, channelId: id, amount, onProgress: reportProgress });
      const after = await getChannel(client, { deployment, channelId: id });
      const result = { id, added: formatRbt(amount), deposit: formatRbt(after.deposit), tx: receipt.transactionHash };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else console.log(`Added ${result.added} RBT; channel ${id} holds ${result.deposit} RBT`);
    });
}

function closeCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('close')))
    .description('close channel ID: cooperatively when its payee co-signed, else start the challenge period')
    .argument('<id>', 'channel id (0x + 64 hex digits)', parseBytes32)
    .option('--json', 'print one JSON line: id, how (cooperative|unilateral), closesAt or refund, tx')
    .option(
      '--state-dir <dir>',
      'the client state directory whose hop keys pay channels this wallet funded',
      join(process.cwd(), '.bandex-client'),
    )
    .addHelpText(
      'after',
      `
Cooperative first: when \`bandex connect\` ends, each provider co-signs a close of its channel for what it
was promised, inside the session, and submits it (the rest comes back within a few blocks). If that close
is not on chain yet (the provider did not submit it), this command submits it from the client state
directory: the channel closes and refunds in one transaction.

Otherwise the payer's unilateral close: during the challenge period the payee may still redeem its latest
voucher; afterwards \`bandex channel settle ID\` (or a running \`bandex connect\`, which settles its own
channels) refunds the rest to the channel's refund address. A channel that \`bandex connect\` opened is
paid by a hop key of its own (funded by this wallet, refunds to it): the hop key, re-derived from the
wallet and the client's state directory, signs the close and the wallet sends it.

Examples:
  $ bandex channel close 0x9f2c…e1
  $ bandex channel close 0x9f2c…e1 --json`,
    )
    .action(async (id: Hex, flags: ChainFlags & { stateDir: string }) => {
      const { client, deployment, account, wallet } = await openWallet(flags);
      const channel = await requireChannel(client, deployment, id);
      const coSigned = await readCoSignedClose(flags.stateDir, id);
      if (coSigned) {
        const receipt = await cooperativeCloseSigned(wallet, { deployment, ...coSigned, onProgress: reportProgress });
        const result = {
          id,
          how: 'cooperative',
          paid: formatRbt(coSigned.amount),
          refund: formatRbt(channel.deposit - coSigned.amount),
          tx: receipt.transactionHash,
        };
        await forgetCoSignedClose(flags.stateDir, id);
        if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else console.log(`Closed channel ${id} cooperatively: ${result.paid} RBT paid, ${result.refund} RBT refunded`);
        return;
      }
      let payerSignature: Hex | undefined;
      if (channel.payer.toLowerCase() !== account.address.toLowerCase()) {
        const hopKey =
          channel.refundTo.toLowerCase() === account.address.toLowerCase()
            ? await hopKeyIn(flags.stateDir, account, channel.payer)
            : undefined;
        if (!hopKey)
          throw new NotAllowedNowError({
            reason: `only the payer ${channel.payer} can close channel ${id}`,
            hint: 'a payee ends a channel by redeeming; the payer (or the wallet that funded its hop key, with --state-dir) closes it',
          });
        payerSignature = await signStartClose(
          hopKey,
          { chainId: deployment.chainId, channels: deployment.contracts.channels },
          id,
        );
      }
      if (channel.closesAt !== 0n) {
        const over = (await getBlock(client)).timestamp >= channel.closesAt;
        throw new NotAllowedNowError({
          reason: `channel ${id} is already closing (challenge period ${over ? 'ended' : 'until'} ${formatTime(channel.closesAt)})`,
          hint: over ? `run \`bandex channel settle ${id}\` now` : 'run `bandex channel settle ID` after that',
        });
      }
      const receipt = await startCloseChannel(wallet, {
        deployment,
        channelId: id,
        payerSignature,
        onProgress: reportProgress,
      });
      const after = await getChannel(client, { deployment, channelId: id });
      const result = { id, how: 'unilateral', closesAt: formatTime(after.closesAt), tx: receipt.transactionHash };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        console.log(
          `Channel ${id} is closing; run \`bandex channel settle ${id}\` from ${result.closesAt} to get the refund`,
        );
    });
}

function settleCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('settle')))
    .description('finish closing channel ID after its challenge period: the payer gets the unredeemed rest')
    .argument('<id>', 'channel id (0x + 64 hex digits)', parseBytes32)
    .option('--json', 'print one JSON line: id, redeemed, refund, tx')
    .addHelpText(
      'after',
      `
Anyone may settle; the refund always goes to the channel's refund address (the payer, or the wallet that
funded a hop key's channel).

Examples:
  $ bandex channel settle 0x9f2c…e1`,
    )
    .action(async (id: Hex, flags: ChainFlags) => {
      const { client, deployment, wallet } = await openWallet(flags);
      const channel = await requireChannel(client, deployment, id);
      if (channel.closesAt === 0n)
        throw new NotAllowedNowError({
          reason: `channel ${id} is not closing`,
          hint: 'start with `bandex channel close ID` (payer)',
        });
      const now = (await getBlock(client)).timestamp;
      if (now < channel.closesAt)
        throw new NotAllowedNowError({
          reason: `the challenge period of channel ${id} runs until ${formatTime(channel.closesAt)}`,
          hint: 'run `bandex channel settle` again after that',
        });
      const receipt = await settleChannel(wallet, { deployment, channelId: id, onProgress: reportProgress });
      const result = {
        id,
        redeemed: formatRbt(channel.redeemed),
        refund: formatRbt(channel.deposit - channel.redeemed),
        tx: receipt.transactionHash,
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        console.log(`Settled channel ${id}: ${result.redeemed} RBT went to the payee, ${result.refund} RBT refunded`);
    });
}

/** The co-signed cooperative close of `id` that `bandex connect` kept in `<stateDir>/client.db`, if any. */
function readCoSignedClose(stateDir: string, id: Hex): Promise<CoSignedClose | undefined> {
  return withClientStore(stateDir, (store) => {
    const saved = store.getMeta(payerCloseKey(id));
    return saved ? decodeCoSignedClose(saved) : undefined;
  });
}

async function forgetCoSignedClose(stateDir: string, id: Hex): Promise<void> {
  await withClientStore(stateDir, (store) => store.deleteMeta(payerCloseKey(id)));
}

/** `use` on the client's state database in `stateDir`; undefined when there is none. */
async function withClientStore<T>(
  stateDir: string,
  use: (store: ChannelStore) => T | Promise<T>,
): Promise<T | undefined> {
  const file = join(stateDir, 'client.db');
  if (!existsSync(file)) return undefined;
  const store = new ChannelStore(openDatabase({ file }));
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

/** The hop key `payer`, re-derived from `wallet` and the salt kept in `<stateDir>/client.db`, if there. */
function hopKeyIn(stateDir: string, wallet: LocalAccount, payer: Address): Promise<LocalAccount | undefined> {
  return withClientStore(stateDir, (store) => recoverHopKey(wallet, store, payer));
}
