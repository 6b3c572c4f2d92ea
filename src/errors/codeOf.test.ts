import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BaseError } from './BaseError.ts';
import { codeOf } from './codeOf.ts';
import { isErrorCode } from './codes.ts';

describe('codeOf', () => {
  it('reads the code of a BaseError', () => {
    assert.equal(codeOf(new BaseError('x', { code: 'CHAIN_TX_REVERTED' })), 'CHAIN_TX_REVERTED');
  });
  it('finds the first code down the cause chain', () => {
    const inner = new BaseError('inner', { code: 'STORE_UNUSABLE' });
    assert.equal(codeOf(new Error('outer', { cause: inner })), 'STORE_UNUSABLE');
  });
  it('ignores codes that are not Bandex codes, and non-objects', () => {
    assert.equal(codeOf(Object.assign(new Error('x'), { code: 'ENOENT' })), undefined);
    assert.equal(codeOf('CHAIN_TX_REVERTED'), undefined);
    assert.equal(codeOf(undefined), undefined);
  });
  it('stops on a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    assert.equal(codeOf(a), undefined);
  });
  it('knows refusal codes', () => {
    assert.ok(isErrorCode('WRONG_PAYEE'));
    assert.ok(!isErrorCode('wrong_payee'));
  });
});
