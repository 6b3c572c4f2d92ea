/**
 * `bandex stake AMOUNT`: stake RBT as a provider — the first time it registers the wallet in the
 * ProviderRegistry (peer id, price, region, capacity), afterwards it adds to the bonded stake.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Hex } from 'viem';
import { addStake } from '../../chain/actions/addStake.ts';
import { balanceOf } from '../../chain/actions/balanceOf.ts';
import { getProvider } from '../../chain/actions/getProvider.ts';
import { isProvider } from '../../chain/actions/isProvider.ts';
import { readRegistryParameter } from '../../chain/actions/readRegistryParameter.ts';
import { registerProvider } from '../../chain/actions/registerProvider.ts';
import { formatRbt, parseRbt } from '../amounts.ts';
import { addAccountOptions, addChainOptions, type ChainFlags, openWallet } from '../chainContext.ts';
import { InsufficientBalanceError, NotAllowedNowError } from '../errors.ts';
import { parseCountryCode } from '../options.ts';
import { reportProgress } from '../progress.ts';

/**
 * The registry stores a peer id as its multihash bytes; `0x…` hex is taken as the bytes themselves.
 * (libp2p is loaded only when a peer id is given: it would slow every other command's start.)
 */
export async function peerIdBytes(value: string): Promise<Hex> {
  if (/^0x([0-9a-fA-F]{2}){1,128}$/.test(value)) return value.toLowerCase() as Hex;
  const { peerIdToBytes } = await import('../../chain/peerIdOnChain.ts');
  try {
    return peerIdToBytes(value);
  } catch {
    throw new NotAllowedNowError({
      reason: `"${value}" is not a libp2p peer id`,
      hint: 'pass the id your node prints (12D3KooW…), as `bandex node` shows it',
    });
  }
}

function parseCapacity(value: string): bigint {
  if (!/^\d+$/.test(value))
    throw new InvalidArgumentError(`expected bytes per second as a whole number, got "${value}"`);
  const capacity = BigInt(value);
  if (capacity >= 2n ** 64n) throw new InvalidArgumentError('the capacity does not fit 64 bits');
  return capacity;
}

type StakeFlags = ChainFlags & { peerId?: string; price?: bigint; region: string; capacity: bigint; metadata: string };

export function stakeCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('stake')))
    .description('stake RBT as a provider: registers the wallet the first time, then adds to its stake')
    .argument('<amount>', 'RBT to stake, in whole tokens', parseRbt)
    .option('--peer-id <id>', 'first time only: the libp2p peer id of your node')
    .option('--price <rbt>', 'first time only: price in RBT per GiB', parseRbt)
    .addOption(
      new Option('--region <code>', 'first time only: two-letter region code')
        .argParser(parseCountryCode)
        .default('ZZ', 'ZZ, unknown'),
    )
    .addOption(
      new Option('--capacity <bytesPerSecond>', 'first time only: claimed capacity in bytes per second')
        .argParser(parseCapacity)
        .default(0n, '0, unknown'),
    )
    .option('--metadata <text>', 'first time only: free-form metadata (at most 1024 bytes)', '')
    .option('--json', 'print one JSON line: registered, added, bonded, tx')
    .addHelpText(
      'after',
      `
Stake stays slashable while bonded and while unbonding; \`bandex unstake\` takes it back out.

Examples:
  $ bandex stake 1000 --peer-id 12D3KooWRm… --price 2 --region DE --capacity 12500000
  $ bandex stake 500                                  # add to an existing stake
  $ bandex stake 500 --keystore ~/keys/provider.json --json`,
    )
    .action(async (amount: bigint, flags: StakeFlags) => {
      const peerId = flags.peerId === undefined ? undefined : await peerIdBytes(flags.peerId);
      const context = await openWallet(flags);
      const { client, wallet, account, deployment } = context;
      const [registered, balance, minStake] = await Promise.all([
        isProvider(client, { deployment, account: account.address }),
        balanceOf(client, { token: deployment.contracts.token, account: account.address }),
        readRegistryParameter(client, { deployment, name: 'minStake' }),
      ]);
      if (!registered) {
        if (peerId === undefined || flags.price === undefined)
          throw new NotAllowedNowError({
            reason: `${account.address} is not a registered provider yet`,
            hint: 'the first stake registers it: pass --peer-id ID (your node’s libp2p peer id) and --price RBT-PER-GIB',
          });
        if (amount < minStake)
          throw new NotAllowedNowError({
            reason: `a provider must stake at least ${formatRbt(minStake)} RBT, not ${formatRbt(amount)}`,
            hint: `stake ${formatRbt(minStake)} or more`,
          });
      }
      if (balance < amount)
        throw new InsufficientBalanceError({
          what: 'RBT',
          address: account.address,
          have: `${formatRbt(balance)} RBT`,
          need: `${formatRbt(amount)} RBT`,
          hint: 'buy RBT first with `bandex token buy`',
        });
      const receipt = registered
        ? await addStake(wallet, { deployment, amount, onProgress: reportProgress })
        : await registerProvider(wallet, {
            deployment,
            peerId: peerId as Hex,
            priceWeiPerGiB: flags.price as bigint,
            region: flags.region,
            capacityBytesPerSecond: flags.capacity,
            metadata: flags.metadata,
            stakeWei: amount,
            onProgress: reportProgress,
          });
      const provider = await getProvider(client, { deployment, provider: account.address });
      const result = {
        provider: account.address,
        registered: !registered,
        added: formatRbt(amount),
        bonded: formatRbt(provider.bonded),
        tx: receipt.transactionHash,
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        console.log(
          `${registered ? 'Added' : 'Registered with'} ${result.added} RBT; ${result.bonded} RBT bonded for ${account.address}`,
        );
    });
}
