/**
 * What every chain command shares: the options that say which chain, deployment and account to use
 * (merged with the config file and environment by `resolveConfig`), and opening them.
 */
import { type Command, Option } from 'commander';
import type { LocalAccount, PublicClient } from 'viem';
import { type ChainClient, createChainClient } from '../chain/chainClient.ts';
import { connectRpc } from '../chain/connect.ts';
import { type Deployment, deploymentPath, readDeployment } from '../chain/deployment.ts';
import { type ResolvedConfig, resolveConfig } from '../config/config.ts';
import { loadAccount, resolveAccountAddress } from '../wallet/loadAccount.ts';
import { parseUrl } from './options.ts';

/** Flags of `addChainOptions` and `addAccountOptions`, as commander parses them. */
export type ChainFlags = {
  config?: string;
  rpc?: string;
  deployment?: string;
  keystore?: string;
  passwordFile?: string;
  keyFile?: string;
  json?: boolean;
};

/** `--config`, `--rpc`, `--deployment`. */
export function addChainOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--rpc <url>', 'JSON-RPC endpoint [env BANDEX_RPC; default http://127.0.0.1:8545]').argParser(
        parseUrl,
      ),
    )
    .option('--deployment <file>', 'deployment file [env BANDEX_DEPLOYMENT; default deployments/<chainId>.json]')
    .option('--config <file>', 'config file [env BANDEX_CONFIG; default $XDG_CONFIG_HOME/bandex/config.json]');
}

/** `--keystore`, `--password-file`, `--key-file`. */
export function addAccountOptions(command: Command): Command {
  return command
    .option(
      '--keystore <file>',
      'encrypted key file [env BANDEX_KEYSTORE; default $XDG_DATA_HOME/bandex/keystore.json]',
    )
    .option(
      '--password-file <file>',
      'file holding the keystore password [env BANDEX_PASSWORD_FILE, or BANDEX_PASSWORD]',
    )
    .option('--key-file <file>', 'raw private key file instead of a keystore [env BANDEX_KEY_FILE]');
}

export function configFromFlags(flags: ChainFlags): ResolvedConfig {
  return resolveConfig({
    flags: {
      config: flags.config,
      rpc: flags.rpc,
      deployment: flags.deployment,
      keystore: flags.keystore,
      passwordFile: flags.passwordFile,
      keyFile: flags.keyFile,
    },
  });
}

export type ChainContext = {
  config: ResolvedConfig;
  client: PublicClient;
  chainId: number;
  deployment: Deployment;
  deploymentFile: string;
};

/** Connects to the configured RPC and reads the deployment file that belongs to its chain. */
export async function openChain(flags: ChainFlags): Promise<ChainContext> {
  const config = configFromFlags(flags);
  const probe = await connectRpc(config.rpc);
  const deploymentFile = config.deployment ?? deploymentPath(config.deploymentsDir, probe.chainId);
  const deployment = readDeployment(deploymentFile);
  const { client, chainId } = await connectRpc(config.rpc, { file: deploymentFile, deployment });
  return { config, client, chainId, deployment, deploymentFile };
}

export type WalletContext = ChainContext & { account: LocalAccount; wallet: ChainClient };

/** `openChain` plus the signing account (keystore + password, or key file). */
export async function openWallet(flags: ChainFlags): Promise<WalletContext> {
  const context = await openChain(flags);
  const account = await loadAccount({
    keyFile: context.config.keyFile,
    keystore: context.config.keystore,
    passwordFile: context.config.passwordFile,
  });
  return { ...context, account, wallet: createChainClient(context.config.rpc, account) };
}

/** The configured account's address, without a password when the keystore names it. */
export function accountAddress(config: ResolvedConfig): Promise<`0x${string}`> {
  return resolveAccountAddress({
    keyFile: config.keyFile,
    keystore: config.keystore,
    passwordFile: config.passwordFile,
  });
}
