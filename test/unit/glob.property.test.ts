import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatcher } from '../../src/domain/glob.ts';

/**
 * An independent reference: the glob translated into a regular expression by the POSIX rules
 * (each bracket expression a character class, everything else escaped). Exponential on bad
 * patterns, which is why the server does not use it; fine for the short inputs generated here.
 */
function reference(pattern: string, name: string): boolean {
  const p = Array.from(pattern);
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '\\' && i + 1 < p.length) re += esc(p[++i]);
    else if (c === '[') {
      const cls = bracketClass(p, i);
      if (cls) {
        re += cls.re;
        i = cls.end;
      } else re += '\\[';
    } else re += esc(c);
  }
  return new RegExp(`^${re}$`, 'u').test(name);
}

function bracketClass(p: string[], start: number): { re: string; end: number } | undefined {
  let i = start + 1;
  const neg = p[i] === '!' || p[i] === '^';
  if (neg) i++;
  let body = '';
  for (let first = true; i < p.length; first = false) {
    let c = p[i];
    if (c === ']' && !first) return { re: `[${neg ? '^' : ''}${body}]`, end: i };
    if (c === '\\' && i + 1 < p.length) c = p[++i];
    if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      let hi = p[i + 2];
      i += 2;
      if (hi === '\\' && i + 1 < p.length) hi = p[++i];
      body += c <= hi ? `${escIn(c)}-${escIn(hi)}` : '';
    } else body += escIn(c);
    i++;
  }
  return undefined;
}

const esc = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
/** Inside a character class only these are special. */
const escIn = (c: string) => c.replace(/[\\\]^-]/g, '\\$&');

const alphabet = fc.constantFrom('a', 'b', '/', '.', '-', '(', 'é');
const patternChar = fc.oneof(alphabet, fc.constantFrom('*', '?', '[', ']', '!', '\\', '[a-b]', '[!a]', '[]a]'));

describe('VM name globs', () => {
  it('agree with the POSIX rules on any short pattern and name', () => {
    fc.assert(
      fc.property(fc.array(patternChar, { maxLength: 8 }), fc.array(alphabet, { maxLength: 8 }), (pp, nn) => {
        const pattern = pp.join('');
        const name = nn.join('');
        expect(globMatcher([pattern])(name)).toBe(reference(pattern, name));
      }),
      { numRuns: 3000 },
    );
  });

  it('treat what regex-based matchers special-case as literals', () => {
    expect(globMatcher(['(a|b)'])('(a|b)')).toBe(true);
    expect(globMatcher(['(a|b)'])('a')).toBe(false);
    expect(globMatcher(['{a,b}'])('a')).toBe(false);
    expect(globMatcher(['[abc'])('[abc')).toBe(true);
    expect(globMatcher(['.*'])('.hidden')).toBe(true);
    expect(globMatcher(['a*/b'])('a/x/b')).toBe(true);
  });

  it('answer patterns that make backtracking matchers explode (a hang here fails the test)', () => {
    const pattern = `${'*a'.repeat(40)}*b`;
    expect(globMatcher([pattern])('a'.repeat(20_000))).toBe(false);
    expect(globMatcher([pattern])(`${'a'.repeat(20_000)}b`)).toBe(true);
  });
});
