/**
 * Shape figures for the code under src/ (issue #15's closing note), re-runnable at any commit:
 * `node scripts/codeStats.ts [root]`.
 *
 * - the largest hand-written file (src/chain/abi/ holds generated ABIs and is left out), with and
 *   without tests;
 * - the largest function by lines, with and without tests (rough: a body is found by brace matching on
 *   the source with comments and literals blanked, see `test/support/sourceScan.ts`);
 * - contract calls written in place: `functionName:` occurrences outside src/chain/;
 * - import cycles between the top-level folders of src/ (e.g. api → client → api), from the imports of
 *   non-test files (type-only imports included: they are dependencies of the design all the same).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { findImports, lineAt, maskSource } from '../test/support/sourceScan.ts';

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'));
const srcDir = join(root, 'src');

function listFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(path));
    else if (entry.name.endsWith('.ts')) files.push(path);
  }
  return files;
}

const rel = (path: string) => relative(root, path).split(sep).join('/');
const isTest = (path: string) => path.endsWith('.test.ts');
const files = listFiles(srcDir)
  .filter((path) => !rel(path).startsWith('src/chain/abi/'))
  .sort();
const sources = new Map(files.map((path) => [path, readFileSync(path, 'utf8')]));
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

// --- largest file
type Sized = { name: string; lines: number };
const largest = (items: Sized[]) => items.reduce((a, b) => (b.lines > a.lines ? b : a), { name: '-', lines: 0 });
const fileSizes = files.map((path) => ({ path, name: rel(path), lines: lineCount(sources.get(path) as string) }));

// --- largest function
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'with', 'await', 'typeof']);

/** Offset of the `}` matching the `{` at `open` in masked text. */
function matchBrace(masked: string, open: number): number {
  let depth = 0;
  for (let k = open; k < masked.length; k++) {
    if (masked[k] === '{') depth++;
    else if (masked[k] === '}' && --depth === 0) return k;
  }
  return masked.length - 1;
}

/** Offset of the `)` matching the `(` at `open`. */
function matchParen(masked: string, open: number): number {
  let depth = 0;
  for (let k = open; k < masked.length; k++) {
    if (masked[k] === '(') depth++;
    else if (masked[k] === ')' && --depth === 0) return k;
  }
  return -1;
}

/**
 * After a parameter list's `)`: the offset of the body's `{`, skipping a return type (a `{` after `:`,
 * `<`, `|`, `&`, `,`, `(`, `[` or `=` opens a type literal), or -1 if no body follows (a call, an overload).
 */
function bodyAfter(masked: string, close: number): number {
  let k = close + 1;
  while (k < masked.length && /\s/.test(masked[k] as string)) k++;
  if (masked[k] === '{') return k;
  if (masked[k] !== ':') return -1;
  let previous = ':';
  let angle = 0;
  for (k++; k < masked.length; k++) {
    const c = masked[k] as string;
    if (/\s/.test(c)) continue;
    if (c === ';' || (c === '=' && masked[k + 1] !== '>')) return -1;
    if (c === '(') {
      k = matchParen(masked, k);
      if (k < 0) return -1;
      previous = ')';
      continue;
    }
    if (c === '<') angle++;
    if (c === '>' && masked[k - 1] !== '=') angle--;
    if (c === '{') {
      if (angle > 0 || ':<|&,([='.includes(previous)) {
        k = matchBrace(masked, k);
        previous = '}';
        continue;
      }
      return k;
    }
    previous = c;
  }
  return -1;
}

type FunctionSize = Sized & { file: string; line: number };
function functionsOf(path: string): FunctionSize[] {
  const text = sources.get(path) as string;
  const masked = maskSource(text);
  const bodies = new Map<number, { name: string; start: number }>();
  const add = (body: number, name: string, start: number) => {
    if (body >= 0 && !bodies.has(body)) bodies.set(body, { name, start });
  };
  // function declarations and expressions
  for (const m of masked.matchAll(/\bfunction\b\s*\*?\s*([\w$]*)\s*(?:<[^>{}]*>)?\s*\(/g)) {
    const close = matchParen(masked, m.index + m[0].length - 1);
    if (close >= 0) add(bodyAfter(masked, close), m[1] || nameBefore(masked, m.index), m.index);
  }
  // methods (class bodies and object literals): `name(...) {` at the start of a line
  for (const m of masked.matchAll(
    /^[ \t]*(?:(?:public|private|protected|static|async|override|get|set|readonly)\s+)*\*?\s*([\w$#]+)\s*(?:<[^>{}]*>)?\s*\(/gm,
  )) {
    if (KEYWORDS.has(m[1] as string)) continue;
    const close = matchParen(masked, m.index + m[0].length - 1);
    if (close >= 0) add(bodyAfter(masked, close), m[1] as string, m.index);
  }
  // arrow functions with a block body
  for (const m of masked.matchAll(/=>\s*\{/g)) {
    let start = m.index;
    let k = m.index - 1;
    while (k >= 0 && /\s/.test(masked[k] as string)) k--;
    if (masked[k] === ')') {
      let depth = 0;
      for (; k >= 0; k--) {
        if (masked[k] === ')') depth++;
        else if (masked[k] === '(' && --depth === 0) break;
      }
      start = Math.max(k, 0);
    }
    add(m.index + m[0].length - 1, nameBefore(masked, start), start);
  }
  return [...bodies].map(([body, { name, start }]) => {
    const line = lineAt(text, start);
    const end = lineAt(text, matchBrace(masked, body));
    return { name: `${name} (${rel(path)}:${line})`, file: rel(path), line, lines: end - line + 1 };
  });
}

/** `const name = `, `name: `, `name(` or a call's callee just before an anonymous function. */
function nameBefore(masked: string, at: number): string {
  const before = masked.slice(Math.max(0, at - 200), at);
  const assigned = /([\w$.]+)\s*[:=]\s*(?:async\s*)?(?:<[^>]*>\s*)?$/.exec(before);
  if (assigned) return assigned[1] as string;
  const call = /([\w$.]+)\s*\([^()]*$/.exec(before);
  return call ? `<callback of ${call[1]}>` : '<anonymous>';
}

const functions = files.flatMap(functionsOf);

// --- contract calls outside src/chain/
const functionNameFiles = files
  .filter((path) => !rel(path).startsWith('src/chain/'))
  .map((path) => ({
    name: rel(path),
    count: (maskSourceKeepStrings(sources.get(path) as string).match(/\bfunctionName\s*:/g) ?? []).length,
  }))
  .filter((entry) => entry.count > 0);
/** Comments blanked, strings kept (a `functionName:` in a comment is not a call). */
function maskSourceKeepStrings(text: string): string {
  const masked = maskSource(text);
  return masked
    .split('')
    .map((c, k) => (c === ' ' && text[k] !== ' ' && !isInComment(text, k) ? text[k] : c))
    .join('');
}
function isInComment(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf('\n', offset) + 1;
  const line = text.slice(lineStart, offset);
  if (/^\s*(\*|\/\/|\/\*)/.test(line)) return true;
  return line.includes('//');
}

// --- folder import graph and its cycles
const folderOf = (path: string): string | undefined => {
  const inside = relative(srcDir, path).split(sep);
  return inside.length > 1 && !inside[0]?.startsWith('..') ? inside[0] : undefined;
};
const edges = new Map<string, Set<string>>();
/** The first import that makes each edge, `file:line`. */
const edgeWitness = new Map<string, string>();
for (const path of files) {
  if (isTest(path)) continue;
  const from = folderOf(path) as string;
  for (const found of findImports(sources.get(path) as string)) {
    if (!found.specifier.startsWith('.')) continue;
    const to = folderOf(resolve(dirname(path), found.specifier));
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from)?.add(to);
    if (!edgeWitness.has(`${from} → ${to}`)) edgeWitness.set(`${from} → ${to}`, `${rel(path)}:${found.line}`);
  }
}

/** Every elementary cycle (each once, starting at its smallest folder name). */
function cyclesOf(graph: Map<string, Set<string>>): string[][] {
  const nodes = [...new Set([...graph.keys(), ...[...graph.values()].flatMap((s) => [...s])])].sort();
  const cycles: string[][] = [];
  for (const start of nodes) {
    const walk = (node: string, path: string[]) => {
      for (const next of graph.get(node) ?? []) {
        if (next === start) cycles.push([...path, start]);
        else if (next > start && !path.includes(next)) walk(next, [...path, next]);
      }
    };
    walk(start, [start]);
  }
  return cycles.sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()));
}
const cycles = cyclesOf(edges);

// --- report
const production = (items: FunctionSize[] | Array<Sized & { path: string }>) =>
  items.filter((item) => !('path' in item ? isTest(item.path) : item.file.endsWith('.test.ts')));
const topFunctions = [...production(functions)].sort((a, b) => b.lines - a.lines).slice(0, 5);
console.log(`root: ${root} (${files.length} hand-written .ts files under src/)`);
console.log(
  `largest file:            ${largest(production(fileSizes)).name} (${largest(production(fileSizes)).lines} lines)`,
);
console.log(`largest file, any:       ${largest(fileSizes).name} (${largest(fileSizes).lines} lines)`);
console.log(
  `largest function:        ${largest(production(functions)).name} (${largest(production(functions)).lines} lines)`,
);
console.log(`largest function, any:   ${largest(functions).name} (${largest(functions).lines} lines)`);
console.log(
  `next functions:          ${topFunctions
    .slice(1)
    .map((f) => `${f.name} ${f.lines}`)
    .join('; ')}`,
);
const callCount = functionNameFiles.reduce((sum, entry) => sum + entry.count, 0);
console.log(`functionName: outside src/chain/: ${callCount} in ${functionNameFiles.length} files`);
for (const entry of functionNameFiles) console.log(`  ${entry.name} ${entry.count}`);
console.log(`folder import cycles: ${cycles.length}`);
console.log(`  of which between two folders: ${cycles.filter((cycle) => cycle.length === 3).length}`);
for (const cycle of cycles) console.log(`  ${cycle.join(' → ')}`);
const cycleEdges = new Set(cycles.flatMap((cycle) => cycle.slice(1).map((to, k) => `${cycle[k]} → ${to}`)));
console.log('edges on a cycle (first import making each):');
for (const edge of [...cycleEdges].sort()) console.log(`  ${edge}: ${edgeWitness.get(edge)}`);
