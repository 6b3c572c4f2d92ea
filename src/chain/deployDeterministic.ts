/**
 * Deterministic deployment through the CREATE2 factory that anvil predeploys and most EVM chains
 * carry (Arachnid's deterministic deployment proxy): the address depends only on the factory, a
 * salt and the init code, so the same deployer gets the same addresses on every fresh chain.
 * Deploying what is already there is a no-op, which makes a deployment resumable.
 */
import {
  type Abi,
  type Address,
  type ContractConstructorArgs,
  concatHex,
  encodeDeployData,
  getContractAddress,
  type Hex,
  keccak256,
  stringToHex,
} from 'viem';
import type { ChainClient } from './chainClient.ts';
import { DeployError } from './errors.ts';

/** Address of the deterministic deployment proxy (same on every chain that has it). */
export const CREATE2_FACTORY: Address = '0x4e59b44847b379578588920cA78FbF26c0B4956C';

export type DeployDeterministicParameters<abi extends Abi> = {
  abi: abi;
  bytecode: Hex;
  args: ContractConstructorArgs<abi>;
  /** Any text; hashed into the CREATE2 salt. */
  salt: string;
};

/** Predicts where `deployDeterministic` puts a contract. */
export function predictAddress<abi extends Abi>(params: DeployDeterministicParameters<abi>): Address {
  const initCode = encodeDeployData({ abi: params.abi, bytecode: params.bytecode, args: params.args } as never);
  return getContractAddress({
    opcode: 'CREATE2',
    from: CREATE2_FACTORY,
    salt: keccak256(stringToHex(params.salt)),
    bytecode: initCode,
  });
}

/** Throws a `DeployError` that says what to do if the chain has no CREATE2 factory. */
export async function assertFactoryPresent(client: ChainClient): Promise<void> {
  const code = await client.getCode({ address: CREATE2_FACTORY });
  if (!code || code === '0x') {
    throw new DeployError({
      reason: `the deterministic deployment proxy is not on this chain (no code at ${CREATE2_FACTORY})`,
      details: 'deploy the proxy first (its presigned transaction is public), or use a chain that has it',
    });
  }
}

/**
 * Deploys (or finds already deployed) a contract at its deterministic address.
 *
 * @example
 * const address = await deployDeterministic(client, { abi, bytecode, args: [], salt: 'bandex/v1/TestDollar' });
 */
export async function deployDeterministic<abi extends Abi>(
  client: ChainClient,
  params: DeployDeterministicParameters<abi>,
): Promise<Address> {
  const address = predictAddress(params);
  const existing = await client.getCode({ address });
  if (existing && existing !== '0x') return address;
  const initCode = encodeDeployData({ abi: params.abi, bytecode: params.bytecode, args: params.args } as never);
  const hash = await client.sendTransaction({
    to: CREATE2_FACTORY,
    data: concatHex([keccak256(stringToHex(params.salt)), initCode]),
    chain: client.chain,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  const code = await client.getCode({ address });
  if (receipt.status !== 'success' || !code || code === '0x') {
    throw new DeployError({
      reason: `${params.salt} did not deploy (transaction ${hash})`,
      details: 'check the deployer has gas and the RPC is healthy',
    });
  }
  return address;
}

/** Replaces each library placeholder of `bytecode` by the library's address. */
export function linkBytecode(
  bytecode: Hex,
  libraries: Record<string, string>,
  addresses: Record<string, Address>,
): Hex {
  let linked: string = bytecode;
  for (const [library, placeholder] of Object.entries(libraries)) {
    const address = addresses[library];
    if (!address)
      throw new DeployError({ reason: `no address for library ${library}`, details: 'deploy the library first' });
    linked = linked.split(placeholder).join(address.slice(2).toLowerCase());
  }
  return linked as Hex;
}
