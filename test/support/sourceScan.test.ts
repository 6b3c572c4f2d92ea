/** The import reader behind the layering test and scripts/codeStats.ts, on the forms TypeScript allows. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findImports, maskSource } from './sourceScan.ts';

/** Each import as `line kind[ type] specifier`, in source order. */
const found = (text: string) =>
  findImports(text).map(
    ({ specifier, line, kind, typeOnly }) => `${line} ${kind}${typeOnly ? ' type' : ''} ${specifier}`,
  );

describe('findImports', () => {
  it('reads static imports, multi-line ones included, with their line', () => {
    const text = [
      "import assert from 'node:assert/strict';",
      'import {',
      '  a,',
      '  type B,',
      '  c as d,',
      "} from '../x/multi.ts';",
      'import e, { f } from "./double.ts";',
      "import * as ns from './ns.ts';",
    ].join('\n');
    assert.deepEqual(found(text), [
      '1 import node:assert/strict',
      '2 import ../x/multi.ts',
      '7 import ./double.ts',
      '8 import ./ns.ts',
    ]);
  });

  it('marks `import type` (one line or several) as type-only', () => {
    const text =
      "import type { A } from './a.ts';\nimport type {\n  B,\n  C,\n} from './b.ts';\nimport type D from './d.ts';";
    assert.deepEqual(found(text), ['1 import type ./a.ts', '2 import type ./b.ts', '6 import type ./d.ts']);
  });

  it('reads re-exports: `export * from`, `export * as`, `export { } from`, `export type { } from`', () => {
    const text = [
      "export * from './all.ts';",
      "export * as named from './named.ts';",
      "export { x, y as z } from './some.ts';",
      'export {',
      '  type T,',
      "} from './types.ts';",
      "export type { U } from './u.ts';",
      'export const local = 1;',
      'export { local as again };',
    ].join('\n');
    assert.deepEqual(found(text), [
      '1 export ./all.ts',
      '2 export ./named.ts',
      '3 export ./some.ts',
      '4 export ./types.ts',
      '7 export type ./u.ts',
    ]);
  });

  it('reads dynamic import() and side-effect imports', () => {
    const text = [
      "import './sideEffect.ts';",
      'async function load() {',
      "  const { a } = await import('./lazy.ts');",
      '  const b = await import(',
      '    "../split.ts"',
      '  );',
      '  const c = await import(`./template.ts`);',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
      '  const computed = await import(`./${name}.ts`);',
      "  return import('./withOptions.json', { with: { type: 'json' } });",
      '}',
    ].join('\n');
    assert.deepEqual(found(text), [
      '1 side-effect ./sideEffect.ts',
      '3 dynamic ./lazy.ts',
      '4 dynamic ../split.ts',
      '7 dynamic ./template.ts',
      '9 dynamic ./withOptions.json',
    ]);
  });

  it('ignores imports in comments and strings, and what only looks like one', () => {
    const text = [
      "// import x from './lineComment.ts';",
      '/**',
      " * import { y } from './blockComment.ts';",
      " * await import('./docComment.ts')",
      ' */',
      'const s = "import z from \'./inString.ts\'";',
      "const t = `export * from './inTemplate.ts'`;",
      'const dir = import.meta.dirname;',
      "loader.import('./aMethod.ts');",
      "const re = /'/; import real from './afterRegex.ts';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
      "const u = `${await import('./inInterpolation.ts')}`;",
      'const from = 1;',
    ].join('\n');
    assert.deepEqual(found(text), ['10 import ./afterRegex.ts', '11 dynamic ./inInterpolation.ts']);
  });
});

describe('maskSource', () => {
  it('keeps length and newlines, blanks comments and literal contents, keeps code', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source under test
    const text = "const a = 'x{'; // }\n/* { */ const b = `y${a}z`; const r = /[/]}/g;\n";
    const masked = maskSource(text);
    assert.equal(masked.length, text.length);
    assert.equal(masked.split('\n').length, text.split('\n').length);
    assert.equal(masked.match(/[{}]/g)?.join(''), '{}', 'only the interpolation braces remain');
    assert.match(masked, /const a = ' {2}';/);
    assert.match(masked, /const b = ` {1}\$\{a\} {1}`;/);
  });
});
