/**
 * Session receipts: the closing statement of one paid session (bytes each way, amount, start and
 * end), signed by both sides — the unit of proof of bandwidth. An honest provider signs exactly one
 * receipt per session; two different receipts for one session signed by the same provider are
 * equivocation, which `ProviderRegistry.slashEquivocation` punishes.
 */
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  hashTypedData,
  isAddressEqual,
  keccak256,
  type LocalAccount,
  recoverTypedDataAddress,
} from 'viem';
import { receiptTypes, registryDomain } from '../chain/typedData.ts';

export type Receipt = {
  sessionId: Hex;
  channelId: Hex;
  bytesUp: bigint;
  bytesDown: bigint;
  amount: bigint;
  startTime: bigint;
  endTime: bigint;
};

/** Where receipts are judged: one chain, one ProviderRegistry. */
export type RegistryDomain = { chainId: number; registry: Address };

/** `keccak256(abi.encode(channelId, sessionNonce))`: unique per channel and session nonce. */
export function sessionIdOf(channelId: Hex, sessionNonce: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [channelId, sessionNonce]));
}

export function signReceipt(account: LocalAccount, domain: RegistryDomain, receipt: Receipt): Promise<Hex> {
  return account.signTypedData({
    domain: registryDomain(domain.chainId, domain.registry),
    types: receiptTypes,
    primaryType: 'Receipt',
    message: receipt,
  });
}

/** True when `signature` over `receipt` recovers to `signer` under `domain`. */
export async function isReceiptSignedBy(
  domain: RegistryDomain,
  receipt: Receipt,
  signature: Hex,
  signer: Address,
): Promise<boolean> {
  try {
    const recovered = await recoverTypedDataAddress({
      domain: registryDomain(domain.chainId, domain.registry),
      types: receiptTypes,
      primaryType: 'Receipt',
      message: receipt,
      signature,
    });
    return isAddressEqual(recovered, signer);
  } catch {
    return false;
  }
}

function receiptDigest(domain: RegistryDomain, receipt: Receipt): Hex {
  return hashTypedData({
    domain: registryDomain(domain.chainId, domain.registry),
    types: receiptTypes,
    primaryType: 'Receipt',
    message: receipt,
  });
}

/** Two receipts contradict each other when they name the same session and differ in anything. */
export function isEquivocation(domain: RegistryDomain, a: Receipt, b: Receipt): boolean {
  return (
    a.sessionId.toLowerCase() === b.sessionId.toLowerCase() && receiptDigest(domain, a) !== receiptDigest(domain, b)
  );
}
