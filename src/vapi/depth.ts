/**
 * How deep a request value may nest. The vAPI types of this service nest a few levels; 64 is
 * generous. Anything that walks input recursively (null dropping, validation, the JSON-RPC
 * value parser) relies on this bound, so deeper input is refused before it is walked.
 */
export const MAX_DEPTH = 64;

/**
 * Whether JSON text opens more than `max` arrays or objects inside each other. It scans the
 * text instead of the parsed value: JSON.parse of a megabyte of nested arrays takes about a
 * second of event loop, which an unauthenticated client could otherwise ask for again and again.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
