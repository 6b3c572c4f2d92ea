/**
 * `bandex wallet create|import|show`: the account's key in an encrypted keystore (Web3 Secret Storage
 * v3, as geth and `cast wallet` keep keys), and what it holds on chain. Keys are never printed.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { formatEther, formatUnits, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts';
import { balanceOf } from '../../chain/actions/balanceOf.ts';
import { getDelegate } from '../../chain/actions/getDelegate.ts';
import { getProvider } from '../../chain/actions/getProvider.ts';
import { getVotes } from '../../chain/actions/getVotes.ts';
import { readTokenMetadata } from '../../chain/actions/readTokenMetadata.ts';
import { PasswordUnavailableError } from '../../wallet/errors.ts';
import { encryptKeystore, writeKeystoreFile } from '../../wallet/keystore.ts';
import { resolvePassword } from '../../wallet/password.ts';
import { readKeyFile } from '../../wallet/readKeyFile.ts';
import { parseAddress, RBT_DECIMALS } from '../amounts.ts';
import {
  accountAddress,
  addAccountOptions,
  addChainOptions,
  type ChainFlags,
  configFromFlags,
  openChain,
} from '../chainContext.ts';
import { formatTime } from '../errors.ts';

type KeystoreFlags = { config?: string; keystore?: string; passwordFile?: string; force?: boolean; json?: boolean };

export function walletCommand(): Command {
  return new Command('wallet')
    .description('manage the account key (an encrypted keystore file) and show balances')
    .addCommand(createCommand())
    .addCommand(importCommand())
    .addCommand(showCommand())
    .addHelpText(
      'after',
      `
The keystore is a Web3 Secret Storage v3 file (scrypt, aes-128-ctr), the format of geth and
\`cast wallet\`: a keystore written by either works with --keystore. Default location:
$XDG_DATA_HOME/bandex/keystore.json (~/.local/share/bandex/keystore.json).

Examples:
  $ bandex wallet create                               # asks for a password twice
  $ bandex wallet import --key-file ./provider.key --password-file pw.txt
  $ bandex wallet show --json`,
    );
}

function keystoreOptions(command: Command): Command {
  return command
    .option(
      '--keystore <file>',
      'keystore file to write [env BANDEX_KEYSTORE; default $XDG_DATA_HOME/bandex/keystore.json]',
    )
    .option('--password-file <file>', 'file holding the new password [env BANDEX_PASSWORD_FILE, or BANDEX_PASSWORD]')
    .option('--config <file>', 'config file [env BANDEX_CONFIG]')
    .option('--force', 'replace an existing keystore file (its key is lost unless backed up)')
    .option('--json', 'print {"address","keystore"} as one JSON line');
}

async function saveKey(key: Hex, flags: KeystoreFlags): Promise<void> {
  const config = configFromFlags(flags);
  const password = await resolvePassword(
    { passwordFile: config.passwordFile },
    { prompt: 'New keystore password', confirm: true },
  );
  if (password.length === 0)
    throw new PasswordUnavailableError({ reason: 'the password is empty', details: 'choose a non-empty password' });
  mkdirSync(dirname(config.keystore), { recursive: true, mode: 0o700 });
  writeKeystoreFile(config.keystore, encryptKeystore(key, password), { overwrite: flags.force });
  const address = privateKeyToAddress(key);
  if (flags.json) process.stdout.write(`${JSON.stringify({ address, keystore: config.keystore })}\n`);
  else console.log(`Address  ${address}\nKeystore ${config.keystore}`);
}

function createCommand(): Command {
  return keystoreOptions(new Command('create'))
    .description('generate a new key and save it encrypted; prints the address, never the key')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex wallet create
  $ BANDEX_PASSWORD=… bandex wallet create --keystore ./provider.json --json`,
    )
    .action((flags: KeystoreFlags) => saveKey(generatePrivateKey(), flags));
}

function importCommand(): Command {
  return keystoreOptions(new Command('import'))
    .description('encrypt an existing private key into the keystore')
    .option('--key-file <file>', 'file holding the private key (0x + 64 hex digits)')
    .option('--stdin', 'read the private key from standard input instead')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex wallet import --key-file ./provider.key && shred -u ./provider.key
  $ pass show bandex/key | bandex wallet import --stdin --password-file pw.txt`,
    )
    .action(async (flags: KeystoreFlags & { keyFile?: string; stdin?: boolean }) => {
      let key: Hex;
      if (flags.stdin) key = parseStdinKey(readFileSync(0, 'utf8'));
      else if (flags.keyFile !== undefined) key = readKeyFile(flags.keyFile);
      else
        throw new PasswordUnavailableError({
          reason: 'no key to import',
          details: 'pass --key-file FILE, or --stdin and pipe the key',
        });
      await saveKey(key, flags);
    });
}

function parseStdinKey(text: string): Hex {
  const trimmed = text.trim();
  const key = trimmed.startsWith('0x') ? trimmed : `0x${trimmed}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new PasswordUnavailableError({
      reason: 'standard input does not hold a 32-byte hex key',
      details: 'pipe 0x + 64 hex digits',
    });
  return key as Hex;
}

export type WalletBalances = {
  address: `0x${string}`;
  chainId: number;
  eth: string;
  rbt: string;
  reserve: { symbol: string; balance: string };
  stake: { bonded: string; unbonding: string; unbondingReadyAt: number | null; provider: boolean };
  votes: string;
  delegate: `0x${string}` | null;
};

function showCommand(): Command {
  return addAccountOptions(addChainOptions(new Command('show')))
    .description('print the address and its balances: ETH, RBT, the reserve token, stake, votes')
    .option('--address <address>', 'show any address instead of the wallet', parseAddress)
    .option('--json', 'print one JSON line (amounts as decimal strings in whole units)')
    .addHelpText(
      'after',
      `
Needs no password when the keystore names its address (keystores written by bandex and geth do).

Examples:
  $ bandex wallet show
  $ bandex wallet show --address 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --rpc http://127.0.0.1:8545 --json`,
    )
    .action(async (flags: ChainFlags & { address?: `0x${string}` }) => {
      const chain = await openChain(flags);
      const address = flags.address ?? (await accountAddress(chain.config));
      const { client, deployment } = chain;
      const { token, reserve } = deployment.contracts;
      const [eth, rbt, reserveBalance, { symbol, decimals }, provider, votes, delegate] = await Promise.all([
        client.getBalance({ address }),
        balanceOf(client, { token, account: address }),
        balanceOf(client, { token: reserve, account: address }),
        readTokenMetadata(client, { token: reserve }),
        getProvider(client, { deployment, provider: address }),
        getVotes(client, { deployment, account: address }),
        getDelegate(client, { deployment, account: address }),
      ]);
      const balances: WalletBalances = {
        address,
        chainId: chain.chainId,
        eth: formatEther(eth),
        rbt: formatUnits(rbt, RBT_DECIMALS),
        reserve: { symbol, balance: formatUnits(reserveBalance, decimals) },
        stake: {
          bonded: formatUnits(provider.bonded, RBT_DECIMALS),
          unbonding: formatUnits(provider.unbonding, RBT_DECIMALS),
          unbondingReadyAt: provider.unbondingReadyAt === 0n ? null : Number(provider.unbondingReadyAt),
          provider: provider.registeredAt !== 0n,
        },
        votes: formatUnits(votes, RBT_DECIMALS),
        delegate: /^0x0+$/.test(delegate) ? null : delegate,
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(balances)}\n`);
        return;
      }
      const ready = balances.stake.unbondingReadyAt;
      console.log(
        [
          `address     ${address} (chain ${chain.chainId})`,
          `ETH         ${balances.eth}`,
          `RBT         ${balances.rbt}`,
          `${symbol.padEnd(12)}${balances.reserve.balance}`,
          `stake       ${balances.stake.bonded} RBT bonded${balances.stake.provider ? ' (registered provider)' : ''}`,
          ...(provider.unbonding > 0n
            ? [`unbonding   ${balances.stake.unbonding} RBT, withdrawable from ${formatTime(ready ?? 0)}`]
            : []),
          `votes       ${balances.votes}${balances.delegate ? ` (delegated to ${balances.delegate})` : ' (not delegated: `bandex gov delegate`)'}`,
        ].join('\n'),
      );
    });
}
