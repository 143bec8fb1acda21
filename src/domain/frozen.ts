/**
 * Freezes a value and everything it holds (plain objects and arrays, as parsed JSON and
 * mapped rows are made of). A value shared between callers must not be changed by one of
 * them; frozen, an attempt throws (ES modules are strict) instead of reaching the others.
 * Stops at what is already frozen: its parts were frozen with it.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const k of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[k]);
  return value;
}
