/**
 * A small TypeScript source reader for the checks that look at the code as text (the layering test,
 * `scripts/codeStats.ts`): `maskSource` blanks comments and the contents of string, template and regex
 * literals (same length, newlines kept, so offsets and line numbers still match the original), and
 * `findImports` lists every module a file names: `import … from`, `import type`, `export … from`,
 * side-effect `import '…'` and dynamic `import('…')`, each with its line. Rough on purpose (no parser
 * in the dependencies): regex literals are told from division by the token before them.
 */

export type ImportKind = 'import' | 'export' | 'side-effect' | 'dynamic';

export type FoundImport = {
  specifier: string;
  /** 1-based line of the `import`/`export` keyword. */
  line: number;
  kind: ImportKind;
  /** `import type …` / `export type … from` (erased at run time, still a dependency of the design). */
  typeOnly: boolean;
};

const REGEX_AFTER = new Set([
  '(',
  ',',
  '=',
  ':',
  '[',
  '!',
  '&',
  '|',
  '?',
  '{',
  '}',
  ';',
  '+',
  '-',
  '*',
  '%',
  '<',
  '>',
  '~',
  '^',
]);
const REGEX_AFTER_WORDS = new Set([
  'return',
  'typeof',
  'case',
  'do',
  'else',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'yield',
  'await',
]);

/**
 * Returns `text` with comments and the insides of literals replaced by spaces (quotes and `${`/`}` of
 * templates kept). Newlines stay, so a masked offset is the original offset.
 */
export function maskSource(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  /** Braces open inside `${…}` of each template being read (a stack for nested templates). */
  const templateDepths: number[] = [];
  let braceDepth = 0;
  let last = ''; // the last significant token's final character, or a word
  let i = 0;
  const n = text.length;
  const readTemplate = (start: number): number => {
    // `start` is just after the opening backquote (or the `}` closing an interpolation).
    let j = start;
    while (j < n) {
      const c = text[j];
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === '`') {
        blank(start, j);
        return j + 1;
      }
      if (c === '$' && text[j + 1] === '{') {
        blank(start, j);
        templateDepths.push(braceDepth);
        braceDepth++;
        return j + 2;
      }
      j++;
    }
    blank(start, n);
    return n;
  };
  while (i < n) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(j, n));
      i = j + 1;
      last = c;
      continue;
    }
    if (c === '`') {
      i = readTemplate(i + 1);
      last = '`';
      continue;
    }
    if (c === '/' && (last === '' || REGEX_AFTER.has(last) || REGEX_AFTER_WORDS.has(last))) {
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== '\n') {
        const d = text[j];
        if (d === '\\') {
          j += 2;
          continue;
        }
        if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        j++;
      }
      if (j < n && text[j] === '/') {
        blank(i + 1, j);
        i = j + 1;
        while (i < n && /[a-z]/i.test(text[i] as string)) i++;
        last = 'regex';
        continue;
      }
    }
    if (c === '{') braceDepth++;
    if (c === '}') {
      braceDepth--;
      if (templateDepths.length > 0 && templateDepths[templateDepths.length - 1] === braceDepth) {
        templateDepths.pop();
        i = readTemplate(i + 1);
        last = '`';
        continue;
      }
    }
    if (/[\w$]/.test(c)) {
      let j = i;
      while (j < n && /[\w$]/.test(text[j] as string)) j++;
      last = text.slice(i, j);
      i = j;
      continue;
    }
    if (!/\s/.test(c)) last = c;
    i++;
  }
  return out.join('');
}

/** 1-based line of `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

// On masked text a string literal reads as its quotes around blanks; the specifier is read back from
// the original at the same offsets. The clause between `import`/`export` and `from` may hold only what
// an import clause holds (names, `type`, `as`, braces, commas, `*`), so no statement is read across.
const STATIC = /(?<![\w$.])(import|export)(\s+type(?=[\s{*]))?(\s+[\w$\s{},*]*?\s*)from\s*(['"])( *)\4/g;
const SIDE_EFFECT = /(?<![\w$.])import\s*(['"])( *)\1/g;
const DYNAMIC = /(?<![\w$.])import\s*\(\s*(['"`])( *)\1\s*[,)]/g;

/** Every module `text` (TypeScript source) names, in source order. */
export function findImports(text: string): FoundImport[] {
  const masked = maskSource(text);
  const found: Array<FoundImport & { offset: number }> = [];
  for (const match of masked.matchAll(STATIC)) {
    const whole = match[0];
    const start = match.index;
    // The specifier's opening quote is the last quote but one of the match.
    const close = start + whole.length - 1;
    const open = start + whole.lastIndexOf(match[4] as string, whole.length - 2);
    const clause = (match[3] as string).trim();
    if (match[1] === 'import' && clause === '') continue;
    found.push({
      specifier: text.slice(open + 1, close),
      line: lineAt(text, start),
      kind: match[1] as 'import' | 'export',
      typeOnly: match[2] !== undefined || /^type\s/.test(clause),
      offset: start,
    });
  }
  for (const match of masked.matchAll(SIDE_EFFECT)) {
    const open = match.index + match[0].indexOf(match[1] as string);
    const close = open + 1 + (match[2] as string).length;
    found.push({
      specifier: text.slice(open + 1, close),
      line: lineAt(text, match.index),
      kind: 'side-effect',
      typeOnly: false,
      offset: match.index,
    });
  }
  for (const match of masked.matchAll(DYNAMIC)) {
    const open = match.index + match[0].indexOf(match[1] as string);
    const close = open + 1 + (match[2] as string).length;
    const specifier = text.slice(open + 1, close);
    if (specifier.includes('${')) continue; // a computed path names no module we can check
    found.push({ specifier, line: lineAt(text, match.index), kind: 'dynamic', typeOnly: false, offset: match.index });
  }
  found.sort((a, b) => a.offset - b.offset);
  return found.map(({ offset: _offset, ...rest }) => rest);
}
