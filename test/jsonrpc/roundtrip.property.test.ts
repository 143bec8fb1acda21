import { Type, type TSchema } from '@sinclair/typebox';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CisTaskInfo, SnapserviceTaskInfo } from '../../src/modules/tasks/schemas.ts';
import type { VapiError } from '../../src/errors.ts';
import { decode } from '../../src/vapi/jsonrpc/decode.ts';
import { encode, type EncodeOptions } from '../../src/vapi/jsonrpc/encode.ts';
import { Registry } from '../../src/vapi/jsonrpc/route.ts';
import { canonicalDouble, parseDataValue, writeDataValue } from '../../src/vapi/jsonrpc/values.ts';
import { ErrorSchema } from '../../src/vapi/wire.ts';
import { arbitraryOf } from './arbitrary.ts';
import { OPS } from './client.ts';
import { dataValue, toNative } from './runtime.ts';

const registry = new Registry(OPS);

/** Every wire type in use: each operation's input and output, task results, the error type. */
function wireTypes(): Array<[string, TSchema]> {
  const out: Array<[string, TSchema]> = [['vAPI error', ErrorSchema]];
  for (const op of OPS) {
    const key = `${op.service}.${op.name}`;
    out.push([`${key} input`, op.input]);
    out.push([`${key} output`, op.output ?? (op.name.endsWith('$task') ? Type.String() : Type.Undefined())]);
    if (op.taskResult) out.push([`${key} task result`, op.taskResult]);
  }
  return out.filter(([, s]) => s.type !== 'undefined');
}

/** Encode, write, read back as text, decode: the value must come back unchanged, and the runtime's own rules must read the same value. */
function roundTrip(schema: TSchema, value: unknown, opts: EncodeOptions = {}): string {
  const text = writeDataValue(encode(schema, value, opts));
  const problems: VapiError[] = [];
  const back = decode(schema, parseDataValue(JSON.parse(text)), problems, 'value');
  expect(problems.map((p) => p.message)).toEqual([]);
  expect(back).toEqual(value);
  expect(toNative(schema, dataValue(JSON.parse(text)))).toEqual(value);
  return text;
}

describe('typed encoding round trip (fast-check)', () => {
  it.each(wireTypes())('%s: any value encodes and decodes to itself', (_name, schema) => {
    fc.assert(fc.property(arbitraryOf(schema), (value) => void roundTrip(schema, value)), { numRuns: 60 });
  });

  it.each(OPS.filter((op) => op.taskResult).map((op) => [`${op.service}.${op.name}`, op] as const))(
    '%s: task Info results are typed by the operation and come back unchanged',
    (_name, op) => {
      for (const info of [SnapserviceTaskInfo, CisTaskInfo]) {
        const value = fc.record({ info: arbitraryOf(info), result: arbitraryOf(op.taskResult!) }).map(({ info: i, result }) => ({
          ...(i as object), service: op.service, operation: op.name.replace(/\$task$/, ''), result,
        }));
        fc.assert(fc.property(value, (v) => {
          const text = roundTrip(info, v, registry.encodeOptions);
          const result = JSON.parse(text).STRUCTURE[info.vapi as string].result.OPTIONAL;
          if (op.taskResult!.vapi) expect(Object.keys(result.STRUCTURE)).toEqual([op.taskResult!.vapi]);
          else expect(typeof result).toBe(op.taskResult!.type === 'string' ? 'string' : 'object');
        }), { numRuns: 40 });
      }
    },
  );

  it('writes doubles in the canonical form the runtime writes', () => {
    expect([0, 60, 1.5, -2.5, 0.001, 1e21, 5e-324].map(canonicalDouble)).toEqual(['0.0E0', '6.0E1', '1.5E0', '-2.5E0', '1.0E-3', '1.0E21', '5.0E-324']);
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => Object.is(JSON.parse(canonicalDouble(d)), d === 0 ? 0 : d)));
  });
});
