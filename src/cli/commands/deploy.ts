/** `bandex deploy`: deploy the Bandex contracts to any EVM chain and write its deployment file. */
import { Command, Option } from 'commander';
import { isAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createChainClient } from '../../chain/chainClient.ts';
import { connectRpc } from '../../chain/connect.ts';
import { deployBandex } from '../../chain/deployBandex.ts';
import { deploymentPath, writeDeployment } from '../../chain/deployment.ts';
import { PRESET_NAMES, type PresetName } from '../../chain/deployPresets.ts';
import { createLogger } from '../../log/logger.ts';
import { readKeyFile } from '../../wallet/readKeyFile.ts';
import { parseUrl } from '../options.ts';

export function deployCommand(): Command {
  return new Command('deploy')
    .description('deploy the Bandex contracts to an EVM chain and write deployments/<chainId>.json')
    .addOption(new Option('--rpc <url>', 'JSON-RPC endpoint of the chain').makeOptionMandatory().argParser(parseUrl))
    .requiredOption('--key-file <file>', 'file holding the deployer private key (0x + 64 hex digits)')
    .addOption(
      new Option('--preset <name>', 'parameter preset (docs/operations.md#deployment-presets)')
        .choices([...PRESET_NAMES])
        .default('devnet'),
    )
    .option('--reserve <address>', 'reserve token of the bonding curve (default: deploy a test dollar)')
    .option('--out <dir>', 'folder for the deployment file', 'deployments')
    .option('--json', 'print the deployment as one JSON line')
    .addHelpText(
      'after',
      `
Examples:
  $ bandex deploy --rpc http://127.0.0.1:8545 --key-file ./deployer.key
  $ bandex deploy --rpc https://l2.example/rpc --key-file key.txt --preset production --reserve 0xA0b8…eB48`,
    )
    .action(
      async (options: {
        rpc: string;
        keyFile: string;
        preset: PresetName;
        reserve?: string;
        out: string;
        json?: boolean;
      }) => {
        if (options.reserve !== undefined && !isAddress(options.reserve))
          throw new Error(`--reserve ${options.reserve} is not an address: pass the 0x… address of an ERC-20`);
        const account = privateKeyToAccount(readKeyFile(options.keyFile));
        const { chainId } = await connectRpc(options.rpc);
        const logger = createLogger({ name: 'deploy' });
        const client = createChainClient(options.rpc, account);
        const deployment = await deployBandex({ client, logger, reserve: options.reserve, preset: options.preset });
        const file = writeDeployment(deploymentPath(options.out, chainId), deployment);
        if (options.json) process.stdout.write(`${JSON.stringify({ ...deployment, file })}\n`);
        else console.log(`Deployed to chain ${chainId} with the ${options.preset} preset; deployment file ${file}`);
      },
    );
}
