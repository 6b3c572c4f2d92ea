/**
 * A channel funder paying from the shielded pool, with the shape of the session layer's `ChannelFunder`
 * (`fund({ payer, payee, deposit, premiumBps }) → { channelId }`): it picks a note, rebuilds the pool's tree from
 * chain events, proves the spend bound to this channel (circuits/poolSpend.circom) and has `relayer` submit it.
 * The relayer is any account but the client's wallet — a provider, or a gas-only account — so nothing on chain
 * names the wallet. The change note and the channel's future refund note are written to the `PoolWallet` before
 * the transaction is sent (a crash loses neither), the spent note is marked once it lands.
 */
import { type Address, encodeAbiParameters, type Hex, keccak256 } from 'viem';
import { fundChannelFromPool } from '../chain/actions/fundChannelFromPool.ts';
import { readPoolCommitments } from '../chain/actions/readPoolCommitments.ts';
import type { ChainClient, ReadClient } from '../chain/chainClient.ts';
import type { Deployment } from '../chain/deployment.ts';
import { BaseError } from '../errors/BaseError.ts';
import { proveGroth16 } from '../zk/proveGroth16.ts';
import { bindingOf } from './bindingOf.ts';
import { POOL_CIRCUIT } from './constants.ts';
import { createNote, noteKey } from './note.ts';
import type { PoolNoteRecord, PoolWallet } from './PoolWallet.ts';
import { poolTree } from './poolTree.ts';
import { spendInput } from './spendInput.ts';

export type PoolFundRequest = { payer: Address; payee: Address; deposit: bigint; premiumBps: number };

export type PoolFunder = {
  fund(request: PoolFundRequest): Promise<{ channelId: Hex; proveMs: number }>;
};

export type CreatePoolFunderParameters = {
  reader: ReadClient;
  /** Submits the spend: never the client's wallet. */
  relayer: ChainClient;
  deployment: Deployment;
  wallet: PoolWallet;
};

export function createPoolFunder({ reader, relayer, deployment, wallet }: CreatePoolFunderParameters): PoolFunder {
  // One spend at a time: two concurrent ones would pick the same note, and the second would be refused.
  let queue: Promise<unknown> = Promise.resolve();
  const context = {
    chainId: BigInt(deployment.chainId),
    pool: deployment.contracts.pool,
    channels: deployment.contracts.channels,
  };
  return {
    fund(request) {
      const run = queue.then(() => fundOne(request));
      queue = run.catch(() => {});
      return run;
    },
  };

  async function fundOne({
    payer,
    payee,
    deposit,
    premiumBps,
  }: PoolFundRequest): Promise<{ channelId: Hex; proveMs: number }> {
    const { commitments, refunds } = await readPoolCommitments(reader, { deployment });
    wallet.sync(commitments, refunds);
    const note = wallet.pick(deposit);
    if (!note || note.leafIndex === undefined) {
      throw new BaseError(`no note in the shielded pool covers ${deposit} wei`, {
        code: 'CLIENT_INSUFFICIENT_RBT',
        details: 'deposit into the pool first (a note of at least the channel deposit)',
        meta: { deposit, balance: wallet.balance() },
      });
    }
    const change = createNote(0n);
    const refund = createNote(0n);
    const request = { payer, payee, amount: deposit, premiumBps: BigInt(premiumBps), refundKey: noteKey(refund) };
    const built = spendInput({
      tree: poolTree(commitments),
      leafIndex: note.leafIndex,
      note,
      amount: deposit,
      change,
      binding: bindingOf(context, request),
    });
    const started = performance.now();
    const { solidity } = await proveGroth16(POOL_CIRCUIT, built.input);
    const proveMs = performance.now() - started;
    // A fresh payer key's first channel: PaymentChannels.channelId(payer, payee, nonce 0).
    const expectedId = keccak256(
      encodeAbiParameters([{ type: 'address' }, { type: 'address' }, { type: 'uint256' }], [payer, payee, 0n]),
    );
    const changeRecord: PoolNoteRecord = { ...built.changeNote, status: 'unspent' };
    wallet.add(changeRecord);
    const refundRecord: PoolNoteRecord = { ...refund, status: 'refund', refundOf: expectedId };
    wallet.add(refundRecord);
    const { channelId, changeIndex } = await fundChannelFromPool(relayer, {
      pool: deployment.contracts.pool,
      spend: {
        pA: solidity.pA,
        pB: solidity.pB,
        pC: solidity.pC,
        root: built.root,
        nullifierHash: built.nullifierHash,
        changeCommitment: built.changeCommitment,
      },
      request,
    });
    wallet.update(note, { status: 'spent', spentOn: channelId });
    wallet.update(changeRecord, { leafIndex: changeIndex });
    // A reused payer key has a later nonce: the refund belongs to the channel actually opened.
    if (channelId !== expectedId) wallet.update(refundRecord, { refundOf: channelId });
    return { channelId, proveMs };
  }
}
