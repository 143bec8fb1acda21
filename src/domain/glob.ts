/**
 * POSIX shell globs (fnmatch without FNM_PATHNAME or FNM_PERIOD) on VM names: `*` matches any
 * run of characters, `/` and a leading `.` included; `?` one character; `[...]`, `[!...]` or
 * `[^...]` one character of (or not of) a set with ranges; a backslash makes the next character
 * literal; an unterminated `[` is a literal. Everything else, parentheses and braces included,
 * is literal.
 *
 * Written here rather than taken from a glob library because those compile to backtracking
 * regular expressions: `*a*a*a*a*a*a*a*a*b` against forty `a`s took seconds, so any reader could
 * stall the server with a name filter. This matcher is O(pattern x name) in the worst case.
 */

type Token =
  | { kind: 'char'; ch: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'set'; negated: boolean; singles: Set<string>; ranges: Array<[string, string]> };

function compile(pattern: string): Token[] {
  const chars = Array.from(pattern);
  const out: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '*') {
      // Consecutive stars match what one star matches.
      if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') {
      out.push({ kind: 'any' });
    } else if (c === '\\' && i + 1 < chars.length) {
      out.push({ kind: 'char', ch: chars[++i] });
    } else if (c === '[') {
      const set = bracket(chars, i);
      if (set) {
        out.push(set.token);
        i = set.end;
      } else {
        out.push({ kind: 'char', ch: c });
      }
    } else {
      out.push({ kind: 'char', ch: c });
    }
  }
  return out;
}

/** The bracket expression opening at `start`, or undefined when it is never closed. */
function bracket(chars: string[], start: number): { token: Token; end: number } | undefined {
  let i = start + 1;
  const negated = chars[i] === '!' || chars[i] === '^';
  if (negated) i++;
  const singles = new Set<string>();
  const ranges: Array<[string, string]> = [];
  // A `]` right after the opening (or after the negation) is a member, not the end.
  for (let first = true; i < chars.length; first = false) {
    let c = chars[i];
    if (c === ']' && !first) return { token: { kind: 'set', negated, singles, ranges }, end: i };
    if (c === '\\' && i + 1 < chars.length) c = chars[++i];
    if (chars[i + 1] === '-' && i + 2 < chars.length && chars[i + 2] !== ']') {
      let hi = chars[i + 2];
      i += 2;
      if (hi === '\\' && i + 1 < chars.length) hi = chars[++i];
      ranges.push([c, hi]);
    } else {
      singles.add(c);
    }
    i++;
  }
  return undefined;
}

function matchesOne(t: Token, ch: string): boolean {
  switch (t.kind) {
    case 'any':
      return true;
    case 'char':
      return t.ch === ch;
    case 'set': {
      const inSet = t.singles.has(ch) || t.ranges.some(([lo, hi]) => lo <= ch && ch <= hi);
      return inSet !== t.negated;
    }
    default:
      return false;
  }
}

/**
 * The classic two-pointer match: on a mismatch, go back to the last star and let it take one
 * more character. Only the last star is ever revisited, which bounds the work.
 */
function matches(tokens: Token[], name: string[]): boolean {
  let t = 0;
  let n = 0;
  let starAt = -1;
  let starName = 0;
  while (n < name.length) {
    const tok = tokens[t];
    if (tok?.kind === 'star') {
      starAt = t++;
      starName = n;
    } else if (tok !== undefined && matchesOne(tok, name[n])) {
      t++;
      n++;
    } else if (starAt >= 0) {
      t = starAt + 1;
      n = ++starName;
    } else {
      return false;
    }
  }
  while (tokens[t]?.kind === 'star') t++;
  return t === tokens.length;
}

/** True if any of the patterns matches the whole name. */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  const compiled = patterns.map(compile);
  return (name) => {
    const chars = Array.from(name);
    return compiled.some((tokens) => matches(tokens, chars));
  };
}

/** Every non-empty pattern is a glob (a stray `[` is a literal, as in the shell). */
export function isValidGlob(pattern: string): boolean {
  return pattern.length > 0;
}
