import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  HttpRequestError,
} from 'viem';
import { codeOf } from '../../errors/codeOf.ts';
import { CallRevertedError } from '../errors.ts';
import { decodeRevert, withHeadroom } from './sendTransaction.ts';

const abi = [
  {
    type: 'error',
    name: 'SlippageExceeded',
    inputs: [
      { name: 'out', type: 'uint256' },
      { name: 'minimum', type: 'uint256' },
    ],
  },
] as const;

function simulationError(data: `0x${string}`): ContractFunctionExecutionError {
  const reverted = new ContractFunctionRevertedError({ abi, data, functionName: 'buy' });
  return new ContractFunctionExecutionError(reverted, {
    abi,
    functionName: 'buy',
    args: [],
    contractAddress: '0x0000000000000000000000000000000000000001',
  });
}

describe('decodeRevert', () => {
  it('turns a custom error into a CallRevertedError with its name, numbers and hint', () => {
    const data = encodeErrorResult({ abi, errorName: 'SlippageExceeded', args: [90n, 99n] });
    const error = decodeRevert('buy RBT', simulationError(data));
    assert.ok(error instanceof CallRevertedError);
    assert.equal(error.code, 'CHAIN_CALL_REVERTED');
    assert.equal(codeOf(error), 'CHAIN_CALL_REVERTED');
    assert.equal(error.meta.errorName, 'SlippageExceeded');
    assert.deepEqual(error.meta.errorArgs, [90n, 99n]);
    assert.equal(error.shortMessage, 'buy RBT would fail on chain: SlippageExceeded(90, 99)');
    assert.match(error.details ?? '', /--slippage/);
    assert.ok(
      error.walk((e) => e instanceof ContractFunctionRevertedError),
      'the viem error stays in the cause chain',
    );
  });

  it('reports a revert it cannot decode with the generic hint', () => {
    const error = decodeRevert('buy RBT', simulationError('0x'));
    assert.ok(error instanceof CallRevertedError);
    assert.equal(error.meta.errorName, undefined);
    assert.match(error.details ?? '', /nothing was sent/);
  });

  it('passes errors that are not reverts through', () => {
    const unreachable = new HttpRequestError({ url: 'http://127.0.0.1:1' });
    assert.equal(decodeRevert('buy RBT', unreachable), unreachable);
    const plain = new Error('boom');
    assert.equal(decodeRevert('buy RBT', plain), plain);
  });
});

describe('withHeadroom', () => {
  it('adds a fifth and the fixed headroom for a lazy epoch update', () => {
    assert.equal(withHeadroom(100_000n), 100_000n + 20_000n + 150_000n);
  });
});
