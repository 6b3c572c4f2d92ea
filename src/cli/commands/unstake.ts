/**
 * `bandex unstake AMOUNT|--all`: start unbonding provider stake (it stays slashable for the unbonding
 * period); `bandex unstake --withdraw`: pay out what has finished unbonding.
 */
import { Command } from 'commander';
import { getBlock } from 'viem/actions';
import { getProvider } from '../../chain/actions/getProvider.ts';
import { readRegistryParameter } from '../../chain/actions/readRegistryParameter.ts';
import { unbondStake } from '../../chain/actions/unbondStake.ts';
import { withdrawStake } from '../../chain/actions/withdrawStake.ts';
import { formatRbt, parseRbt } from '../amounts.ts';
import { addAccountOptions, addChainOptions, type ChainFlags, openWallet } from '../chainContext.ts';
import { formatTime, NotAllowedNowError } from '../errors.ts';
import { reportProgress } from '../progress.ts';

type UnstakeFlags = ChainFlags & { all?: boolean; withdraw?: boolean };

export function unstakeCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('unstake')))
    .description('start unbonding provider stake, or --withdraw it once the unbonding period is over')
    .argument('[amount]', 'RBT to unbond, in whole tokens', parseRbt)
    .option('--all', 'unbond the whole bonded stake (leaving the registry once withdrawn)')
    .option('--withdraw', 'pay out the stake whose unbonding period is over')
    .option('--json', 'print one JSON line')
    .addHelpText(
      'after',
      `
Unbonding stake stays slashable until withdrawn. What stays bonded must be zero or at least the
minimum stake. A provider left with nothing bonded is removed from the registry on withdrawal.

Examples:
  $ bandex unstake 500                # start unbonding 500 RBT
  $ bandex unstake --all
  $ bandex unstake --withdraw         # after the unbonding period (see \`bandex wallet show\`)`,
    )
    .action(async (amount: bigint | undefined, flags: UnstakeFlags) => {
      const modes = [amount !== undefined, Boolean(flags.all), Boolean(flags.withdraw)].filter(Boolean).length;
      if (modes !== 1)
        throw new NotAllowedNowError({
          reason: 'say what to unstake',
          hint: 'pass an AMOUNT, or --all, to start unbonding; or --withdraw to pay out finished unbonding',
        });
      const { client, wallet, account, deployment } = await openWallet(flags);
      const [provider, minStake, block] = await Promise.all([
        getProvider(client, { deployment, provider: account.address }),
        readRegistryParameter(client, { deployment, name: 'minStake' }),
        getBlock(client),
      ]);
      if (provider.registeredAt === 0n)
        throw new NotAllowedNowError({
          reason: `${account.address} is not a registered provider`,
          hint: 'nothing is staked; see `bandex stake`',
        });

      if (flags.withdraw) {
        if (provider.unbonding === 0n)
          throw new NotAllowedNowError({
            reason: 'nothing is unbonding',
            hint: 'start with `bandex unstake AMOUNT` or `--all`',
          });
        if (block.timestamp < provider.unbondingReadyAt)
          throw new NotAllowedNowError({
            reason: `${formatRbt(provider.unbonding)} RBT is unbonding until ${formatTime(provider.unbondingReadyAt)}`,
            hint: 'run `bandex unstake --withdraw` again after that',
          });
        const receipt = await withdrawStake(wallet, { deployment, onProgress: reportProgress });
        const result = {
          withdrawn: formatRbt(provider.unbonding),
          bonded: formatRbt(provider.bonded),
          removed: provider.bonded === 0n,
          tx: receipt.transactionHash,
        };
        if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else
          console.log(
            `Withdrew ${result.withdrawn} RBT; ${result.bonded} RBT stays bonded${result.removed ? ' (left the registry)' : ''}`,
          );
        return;
      }

      const unbond = flags.all ? provider.bonded : (amount as bigint);
      if (unbond === 0n)
        throw new NotAllowedNowError({ reason: 'nothing is bonded', hint: 'see `bandex wallet show`' });
      if (unbond > provider.bonded)
        throw new NotAllowedNowError({
          reason: `only ${formatRbt(provider.bonded)} RBT is bonded, cannot unbond ${formatRbt(unbond)}`,
          hint: 'pass a smaller amount, or --all',
        });
      const rest = provider.bonded - unbond;
      if (rest !== 0n && rest < minStake)
        throw new NotAllowedNowError({
          reason: `${formatRbt(rest)} RBT would stay bonded, below the minimum stake of ${formatRbt(minStake)}`,
          hint: 'unbond less, or --all to leave',
        });
      const receipt = await unbondStake(wallet, { deployment, amount: unbond, onProgress: reportProgress });
      const after = await getProvider(client, { deployment, provider: account.address });
      const result = {
        unbonding: formatRbt(after.unbonding),
        bonded: formatRbt(after.bonded),
        readyAt: formatTime(after.unbondingReadyAt),
        tx: receipt.transactionHash,
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        console.log(
          `${result.unbonding} RBT unbonding, withdrawable from ${result.readyAt} with \`bandex unstake --withdraw\`; ${result.bonded} RBT stays bonded`,
        );
    });
}
