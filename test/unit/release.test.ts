import { Type, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { compareRelease, inRelease, operationsFor, schemaFor, trimTo } from '../../src/vapi/release.ts';
import { Input, ListOf, Since, StringEnum, Struct } from '../../src/vapi/wire.ts';

const Kind = StringEnum('x.kind', ['A', 'B', 'C'], { since: { B: '9.0.0.0', C: '9.1.0.0' } });
const Inner = Struct('x.inner', { a: Type.String(), late: Since('9.1.0.0', Type.Optional(Type.String())) });
const Plain = Struct('x.plain', { p: Type.String() });
const Outer = Struct('x.outer', { inner: Inner, items: ListOf(Inner), kind: Kind, plain: Plain, mid: Since('9.0.0.0', Type.Optional(Plain)) });

describe('schemas of a release', () => {
  it('compares releases component by component; sim and unmarked things are in every release', () => {
    expect(compareRelease('8.0.3.0', '9.0.0.0')).toBeLessThan(0);
    expect(compareRelease('6.5', '8.0.3.0')).toBeLessThan(0);
    expect(compareRelease('9.1', '9.1.0.0')).toBe(0);
    expect(inRelease('sim', '8.0.3.0')).toBe(true);
    expect(inRelease(undefined, '8.0.3.0')).toBe(true);
    expect(inRelease('9.0.0.0', '8.0.3.0')).toBe(false);
  });

  it('leaves out later fields and enum values, and keeps unchanged schemas the same objects', () => {
    const old = schemaFor(Outer, '8.0.3.0');
    expect(Object.keys(old.properties)).toEqual(['inner', 'items', 'kind', 'plain']);
    expect(old.properties.inner.properties).not.toHaveProperty('late');
    expect(old.properties.items.items).toBe(old.properties.inner);
    expect(old.properties.kind.enum).toEqual(['A']);
    expect(old.properties.kind.enumSince).toEqual({});
    expect(old.properties.plain).toBe(Plain);
    expect(schemaFor(Outer, '8.0.3.0')).toBe(old);
    const mid = schemaFor(Outer, '9.0.0.0');
    expect(Object.keys(mid.properties)).toEqual(['inner', 'items', 'kind', 'plain', 'mid']);
    expect(mid.properties.kind.enum).toEqual(['A', 'B']);
    expect(schemaFor(Outer, '9.1.0.0')).toBe(Outer);
  });

  it('trims a value to what the schema declares, at any depth', () => {
    const old = schemaFor(Outer, '8.0.3.0');
    const value = { inner: { a: 'x', late: 'y' }, items: [{ a: '1', late: '2' }], kind: 'A', plain: { p: 'p' }, mid: { p: 'm' } };
    expect(trimTo(old, value)).toEqual({ inner: { a: 'x' }, items: [{ a: '1' }], kind: 'A', plain: { p: 'p' } });
  });

  it('trims the results of an operation only where its release leaves fields out', async () => {
    const op = (output: TSchema, value: unknown) => ({
      service: 's', name: 'get', since: '8.0.3.0', rest: { method: 'GET' as const, path: '/api/x' }, input: Input({}), output, handler: async () => value,
    });
    const defs = [
      op(Outer, { inner: { a: 'x', late: 'y' }, items: [], kind: 'A', plain: { p: 'p' } }),
      op(Struct('x.k', { kind: Kind }), { kind: 'A' }),
      op(Plain, { p: 'p' }),
    ];
    const [outer, kind, plain] = operationsFor(defs, '8.0.3.0');
    expect(await outer.handler({} as never, {}, undefined)).toEqual({ inner: { a: 'x' }, items: [], kind: 'A', plain: { p: 'p' } });
    expect(kind.output).not.toBe(defs[1].output);
    expect(kind.handler).toBe(defs[1].handler);
    expect(plain).toBe(defs[2]);
  });

  it('refuses a later field that is not optional', () => {
    expect(() => Since('9.1.0.0', Type.String())).toThrow('a field added in 9.1.0.0 must be optional');
  });
});
