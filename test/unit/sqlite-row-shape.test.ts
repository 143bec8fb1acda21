import { CamelCasePlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { rowShape } from '../../src/store/sqlite/row-shape.ts';

/** What the direct path did before: Kysely's camel-case plugin's mapRow on better-sqlite3's row. */
class Camel extends CamelCasePlugin {
  row(r: Record<string, unknown>): Record<string, unknown> {
    return this.mapRow(r);
  }
  name(c: string): string {
    return this.camelCase(c);
  }
}

/** better-sqlite3's row object for these columns: keys in order, a repeated name keeps its last value. */
function objectRow(names: string[], values: unknown[]): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  names.forEach((n, i) => (r[n] = values[i]));
  return r;
}

describe('row shapes of direct statements', () => {
  const camel = new Camel();
  const cases: Array<[string[], unknown[]]> = [
    [['token_hash', 'user_name', 'created_at'], ['t', 'alice', 5]],
    [['id', 'id', 'vm_id'], [1, 2, 'vm-1']],
    [['n', 'count(*)', 'a"b', 'x\\y', '1', 'constructor'], [1, 2n, null, Buffer.from('z'), 3.5, 'c']],
    [[], []],
  ];
  it.each(cases)('builds the rows mapRow built (%j)', (names, values) => {
    const expected = camel.row(objectRow(names, values));
    const got = rowShape(names.map((n) => camel.name(n)))(values);
    expect(Object.keys(got)).toEqual(Object.keys(expected));
    expect(Object.getPrototypeOf(got)).toBe(Object.getPrototypeOf(expected));
    for (const k of Object.keys(expected)) expect(got[k]).toBe(expected[k]);
  });

  it('gives every row of a statement the same keys in the same order', () => {
    const shape = rowShape(['a', 'bC']);
    expect(Object.keys(shape([1, 2]))).toEqual(Object.keys(shape(['x', null])));
  });
});
