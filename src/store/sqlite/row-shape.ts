/**
 * Rows of one statement built by one function made for it.
 *
 * better-sqlite3 gives each row as an object whose keys it makes from the column names on every
 * row (string-table lookups), and the camel-case plugin's `mapRow` then copies it key by key
 * through one shared, megamorphic keyed store. Reading the statement in raw mode (arrays) and
 * building each row with an object literal compiled for that statement's columns costs neither:
 * the keys are constants, camel-cased once, and every row of the statement has one hidden class.
 *
 * The rows are the ones `mapRow` made from better-sqlite3's objects: plain objects, keys in
 * column order, a repeated name keeps its first place and its last value (as an object literal
 * does). SQLite values are never plain objects, so `mapRow` had nothing nested to map. (A
 * column named `__proto__` would set the prototype; the schema has none.)
 */
export type RowShape = (values: readonly unknown[]) => Record<string, unknown>;

export function rowShape(names: readonly string[]): RowShape {
  const fields = names.map((n, i) => `${JSON.stringify(n)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${fields} };`) as RowShape;
}
