import picomatch from 'picomatch';

// picomatch is a path matcher: its `*` stops at '/'. VM names are not paths, so '/' is swapped
// for a private-use character on both sides before matching, which leaves every other
// POSIX glob rule (`*`, `?`, `[...]`, `[!...]`, backslash escapes) to the library.
const SLASH = '\uE000';
const OPTS = { dot: true, nobrace: true, noextglob: true, noglobstar: true, windows: false } as const;
const unslash = (s: string) => s.replaceAll('/', SLASH);

/** POSIX shell glob match on VM names, true if any pattern matches. */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  const matchers = patterns.map((p) => picomatch(unslash(p), OPTS));
  return (name) => {
    const n = unslash(name);
    return matchers.some((m) => m(n));
  };
}

/** A glob is well formed if it is non-empty and picomatch can compile it. */
export function isValidGlob(pattern: string): boolean {
  if (pattern.length === 0) return false;
  try {
    picomatch.makeRe(unslash(pattern), OPTS);
    return true;
  } catch {
    return false;
  }
}
