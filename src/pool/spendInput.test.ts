import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindingOf } from './bindingOf.ts';
import { POOL_TREE_DEPTH, SNARK_SCALAR_FIELD } from './constants.ts';
import { createNote, noteCommitment, noteKey, nullifierHash } from './note.ts';
import { poolTree } from './poolTree.ts';
import { spendInput } from './spendInput.ts';

const context = {
  chainId: 31337n,
  pool: '0x5991A2dF15A8F6A256D3Ec51E99254Cd3fb576A9',
  channels: '0x2e234DAe75C793f67A35089C9d99245E1C58470b',
} as const;
const request = {
  payer: '0x000000000000000000000000000000000000a11c',
  payee: '0x0000000000000000000000000000000000000b0b',
  amount: 4n,
  premiumBps: 0n,
  refundKey: 7n,
} as const;

describe('spend witness', () => {
  const notes = [createNote(10n), createNote(1n), createNote(10n)];
  const tree = poolTree(notes.map(noteCommitment));

  it('opens the note at its leaf, pays the amount and keeps the rest as change', () => {
    const change = createNote(0n);
    const built = spendInput({
      tree,
      leafIndex: 2,
      note: notes[2] as (typeof notes)[number],
      amount: 4n,
      change,
      binding: 5n,
    });
    assert.equal(built.root, tree.root);
    assert.equal(built.nullifierHash, nullifierHash(notes[2] as (typeof notes)[number]));
    assert.equal(built.changeNote.value, 6n);
    assert.equal(built.changeCommitment, noteCommitment({ ...change, value: 6n }));
    assert.equal((built.input.siblings as bigint[]).length, POOL_TREE_DEPTH);
    assert.equal(built.input.changeKey, noteKey(change));
  });

  it('refuses to pay more than the note, nothing, or from a leaf that is not the note', () => {
    const note = notes[1] as (typeof notes)[number];
    const base = { tree, note, change: createNote(0n), binding: 1n };
    assert.throws(() => spendInput({ ...base, leafIndex: 1, amount: 2n }), /cannot pay 2 from a note of 1/);
    assert.throws(() => spendInput({ ...base, leafIndex: 1, amount: 0n }), RangeError);
    assert.throws(() => spendInput({ ...base, leafIndex: 0, amount: 1n }), /leaf 0 is not this note/);
  });

  it('binds every channel parameter, chain and contract into a field element', () => {
    const binding = bindingOf(context, request);
    assert.ok(binding < SNARK_SCALAR_FIELD);
    const changed = [
      bindingOf({ ...context, chainId: 1n }, request),
      bindingOf({ ...context, pool: context.channels }, request),
      bindingOf({ ...context, channels: context.pool }, request),
      bindingOf(context, { ...request, payer: request.payee }),
      bindingOf(context, { ...request, payee: request.payer }),
      bindingOf(context, { ...request, amount: 5n }),
      bindingOf(context, { ...request, premiumBps: 1n }),
      bindingOf(context, { ...request, refundKey: 8n }),
    ];
    assert.equal(new Set([binding, ...changed]).size, changed.length + 1);
  });
});
