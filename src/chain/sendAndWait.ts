/**
 * Sends a contract call and waits for its receipt, simulating first so that a revert surfaces as
 * the contract's own custom error (with its numbers) instead of a bare failed transaction.
 */
import type { Abi, ContractFunctionArgs, ContractFunctionName, TransactionReceipt } from 'viem';
import { BaseError } from '../errors/BaseError.ts';
import type { ChainClient } from './chainClient.ts';

export class TransactionRevertedError extends BaseError<{ hash: string }> {
  override name = 'TransactionRevertedError';
  constructor(functionName: string, hash: string) {
    super(`${functionName} reverted on chain`, {
      code: 'CHAIN_TX_REVERTED',
      details: `transaction ${hash}; the chain state changed between simulation and inclusion — retry`,
      meta: { hash },
    });
  }
}

/**
 * Gas limit for a call whose cost can grow between estimate and inclusion: the bonding curve
 * applies a pending epoch update lazily (up to ~100k gas) in whichever transaction comes first after
 * an epoch boundary. Unused gas is not charged.
 */
const GAS_HEADROOM = 150_000n;

function withHeadroom(estimate: bigint): bigint {
  return estimate + estimate / 5n + GAS_HEADROOM;
}

export async function sendAndWait<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(
  client: ChainClient,
  call: {
    address: `0x${string}`;
    abi: abi;
    functionName: functionName;
    args?: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>;
  },
): Promise<TransactionReceipt> {
  const { request } = await client.simulateContract({ ...call, account: client.account, chain: client.chain } as never);
  const estimate = await client.estimateContractGas({ ...call, account: client.account } as never);
  const hash = await client.writeContract({ ...(request as object), gas: withHeadroom(estimate) } as never);
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new TransactionRevertedError(String(call.functionName), hash);
  return receipt;
}
