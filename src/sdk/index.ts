/**
 * The package's entry point (`import { createClient } from 'bandex'`): the SDK, the chain actions an app
 * needs around it (buy RBT, device budgets), and the types they speak.
 */
export { buyRbt } from '../chain/actions/buyRbt.ts';
export { fundDeviceBudgets } from '../chain/actions/fundDeviceBudgets.ts';
export { openDeviceChannel } from '../chain/actions/openDeviceChannel.ts';
export { readDeviceBudget } from '../chain/actions/readDeviceBudget.ts';
export { type ChainClient, createChainClient } from '../chain/chainClient.ts';
export { type Deployment, readDeployment } from '../chain/deployment.ts';
/** The private key of the local chain's dev account `index` (anvil's test mnemonic): devnets only. */
export { devPrivateKey } from '../chain/devAccounts.ts';
export type { ClientStatus, HopStatus } from '../client/startClient.ts';
export { type BandexClient, type CreateClientOptions, createClient, type Spend } from './createClient.ts';
