/** `bandex token price|buy|sell`: RBT on its bonding curve. */
import { Command } from 'commander';
import { formatUnits } from 'viem';
import { getBlock } from 'viem/actions';
import { balanceOf } from '../../chain/actions/balanceOf.ts';
import { buyRbt } from '../../chain/actions/buyRbt.ts';
import { quoteBuy } from '../../chain/actions/quoteBuy.ts';
import { quoteSell } from '../../chain/actions/quoteSell.ts';
import { readCurveState } from '../../chain/actions/readCurveState.ts';
import { readFaucetAvailableAt } from '../../chain/actions/readFaucetAvailableAt.ts';
import { readTokenMetadata } from '../../chain/actions/readTokenMetadata.ts';
import { sellRbt } from '../../chain/actions/sellRbt.ts';
import { takeFaucet } from '../../chain/actions/takeFaucet.ts';
import { formatRbt, minusPercent, parseAmount, parseDecimal, parsePercent, parseRbt } from '../amounts.ts';
import { addAccountOptions, addChainOptions, type ChainFlags, openChain, openWallet } from '../chainContext.ts';
import { formatTime, InsufficientBalanceError, NotAllowedNowError } from '../errors.ts';
import { reportProgress } from '../progress.ts';

export function tokenCommand(): Command {
  return new Command('token')
    .description('the bandwidth token (RBT): price, buy and sell on the bonding curve')
    .addCommand(priceCommand())
    .addCommand(buyCommand())
    .addCommand(sellCommand())
    .addHelpText(
      'after',
      `
RBT is minted and burned only by the bonding curve, against its reserve token (tUSD on the devnet).

Examples:
  $ bandex token price
  $ bandex token buy 100 --faucet           # devnet: take tUSD from the faucet, spend 100 of it
  $ bandex token sell 250 --slippage 0.5`,
    );
}

function priceCommand(): Command {
  return addChainOptions(new Command('price'))
    .description('the spot price, the reserve ratio, and optionally a quote')
    .option('--buy <amount>', 'also quote the RBT a buy for this much reserve would mint', parseDecimal)
    .option('--sell <amount>', 'also quote the reserve a sale of this many RBT would pay', parseRbt)
    .option('--json', 'print one JSON line')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex token price
  $ bandex token price --buy 1000 --sell 5000 --json`,
    )
    .action(async (flags: ChainFlags & { buy?: string; sell?: bigint }) => {
      const { client, deployment } = await openChain(flags);
      const [reserve, curve] = await Promise.all([
        readTokenMetadata(client, { token: deployment.contracts.reserve }),
        readCurveState(client, { deployment }),
      ]);
      const { spotPrice: spot, reserveRatioPpm: ratio, supply, reserveBalance } = curve;
      const buyIn = flags.buy === undefined ? undefined : parseAmount(flags.buy, reserve.decimals, reserve.symbol);
      const info: Record<string, unknown> = {
        price: formatUnits(spot, 18 + reserve.decimals),
        reserveSymbol: reserve.symbol,
        reserveRatioPpm: Number(ratio),
        supply: formatRbt(supply),
        reserveBalance: formatUnits(reserveBalance, reserve.decimals),
      };
      if (buyIn !== undefined) {
        const out = await quoteBuy(client, { deployment, reserveIn: buyIn });
        info.buy = { reserveIn: flags.buy, rbtOut: formatRbt(out) };
      }
      if (flags.sell !== undefined) {
        const out = await quoteSell(client, { deployment, tokensIn: flags.sell });
        info.sell = { rbtIn: formatRbt(flags.sell), reserveOut: formatUnits(out, reserve.decimals) };
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(info)}\n`);
        return;
      }
      const lines = [
        `price          ${info.price} ${reserve.symbol} per RBT`,
        `reserve ratio  ${Number(ratio) / 10_000}%`,
        `supply         ${info.supply} RBT`,
        `reserve        ${info.reserveBalance} ${reserve.symbol}`,
      ];
      const buy = info.buy as { reserveIn: string; rbtOut: string } | undefined;
      const sell = info.sell as { rbtIn: string; reserveOut: string } | undefined;
      if (buy) lines.push(`buy            ${buy.reserveIn} ${reserve.symbol} → ${buy.rbtOut} RBT`);
      if (sell) lines.push(`sell           ${sell.rbtIn} RBT → ${sell.reserveOut} ${reserve.symbol}`);
      console.log(lines.join('\n'));
    });
}

type TradeFlags = ChainFlags & { slippage: number; faucet?: boolean };

function buyCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('buy')))
    .description('spend AMOUNT of the reserve token on RBT')
    .argument('<amount>', 'reserve to spend, in whole units (e.g. 100 for 100 tUSD)', parseDecimal)
    .option('--slippage <percent>', 'accept this much less RBT than quoted', parsePercent, 1)
    .option('--faucet', 'devnet/testnet: first take test dollars from the reserve faucet if the balance is short')
    .option('--json', 'print one JSON line: reserveIn, rbtOut, price, tx')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex token buy 100 --faucet
  $ bandex token buy 2500 --slippage 0.5 --keystore ~/keys/client.json --json`,
    )
    .action(async (amount: string, flags: TradeFlags) => {
      const context = await openWallet(flags);
      const { client, wallet, deployment, account } = context;
      const { reserve } = deployment.contracts;
      const info = await readTokenMetadata(client, { token: reserve });
      const reserveIn = parseAmount(amount, info.decimals, info.symbol);
      const reserveBalance = () => balanceOf(client, { token: reserve, account: account.address });
      let balance = await reserveBalance();
      if (balance < reserveIn && flags.faucet) {
        const availableAt = await readFaucetAvailableAt(client, { deployment, account: account.address });
        const now = (await getBlock(client)).timestamp;
        if (availableAt > now)
          throw new NotAllowedNowError({
            reason: `the ${info.symbol} faucet gives again at ${formatTime(availableAt)}`,
            hint: 'buy for what the wallet holds now, or wait',
          });
        await takeFaucet(wallet, { deployment, label: `faucet ${info.symbol}`, onProgress: reportProgress });
        balance = await reserveBalance();
      }
      if (balance < reserveIn)
        throw new InsufficientBalanceError({
          what: info.symbol,
          address: account.address,
          have: `${formatUnits(balance, info.decimals)} ${info.symbol}`,
          need: `${amount} ${info.symbol}`,
          hint: flags.faucet
            ? 'the faucet gives a fixed amount per hour: buy for less'
            : `get ${info.symbol} into the wallet first (on the devnet add --faucet)`,
        });
      const quote = await quoteBuy(client, { deployment, reserveIn });
      const bought = await buyRbt(wallet, {
        deployment,
        reserveIn,
        minTokensOut: minusPercent(quote, flags.slippage),
        approveLabel: `approve ${info.symbol}`,
        onProgress: reportProgress,
      });
      const result = {
        reserveIn: formatUnits(reserveIn, info.decimals),
        reserveSymbol: info.symbol,
        rbtOut: formatRbt(bought.tokensOut ?? quote),
        price: formatUnits(bought.spotPrice, 18 + info.decimals),
        tx: bought.receipt.transactionHash,
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else console.log(`Bought ${result.rbtOut} RBT for ${result.reserveIn} ${info.symbol}; price now ${result.price}`);
    });
}

function sellCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('sell')))
    .description('sell AMOUNT RBT back to the curve for the reserve token')
    .argument('<amount>', 'RBT to sell, in whole tokens', parseRbt)
    .option('--slippage <percent>', 'accept this much less reserve than quoted', parsePercent, 1)
    .option('--json', 'print one JSON line: rbtIn, reserveOut, price, tx')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex token sell 250
  $ bandex token sell 0.5 --json`,
    )
    .action(async (tokensIn: bigint, flags: TradeFlags) => {
      const context = await openWallet(flags);
      const { client, wallet, deployment, account } = context;
      const info = await readTokenMetadata(client, { token: deployment.contracts.reserve });
      const balance = await balanceOf(client, { token: deployment.contracts.token, account: account.address });
      if (balance < tokensIn)
        throw new InsufficientBalanceError({
          what: 'RBT',
          address: account.address,
          have: `${formatRbt(balance)} RBT`,
          need: `${formatRbt(tokensIn)} RBT`,
          hint: 'sell less, or unstake first (`bandex wallet show` lists balance and stake)',
        });
      const quote = await quoteSell(client, { deployment, tokensIn });
      const sold = await sellRbt(wallet, {
        deployment,
        tokensIn,
        minReserveOut: minusPercent(quote, flags.slippage),
        onProgress: reportProgress,
      });
      const result = {
        rbtIn: formatRbt(tokensIn),
        reserveOut: formatUnits(sold.reserveOut ?? quote, info.decimals),
        reserveSymbol: info.symbol,
        price: formatUnits(sold.spotPrice, 18 + info.decimals),
        tx: sold.receipt.transactionHash,
      };
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else console.log(`Sold ${result.rbtIn} RBT for ${result.reserveOut} ${info.symbol}; price now ${result.price}`);
    });
}
