import type { TSchema } from '@sinclair/typebox';
import fc from 'fast-check';
import { ERROR_STATUS } from '../../src/errors.ts';
import { LocalizableMessageSchema } from '../../src/vapi/wire.ts';

/** Finite, and not -0 (which JSON cannot tell from 0). */
const double = (min = -Number.MAX_VALUE, max = Number.MAX_VALUE) =>
  fc.double({ noNaN: true, noDefaultInfinity: true, min, max }).filter((x) => !Object.is(x, -0));

const text = fc.string({ unit: 'binary', maxLength: 12 });

/** Plain data of no declared type (opaque values, dynamic structures). */
const { dynamic, dynamicObject } = fc.letrec((tie) => ({
  dynamic: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.maxSafeInteger(),
    fc.boolean(),
    double(-1e6, 1e6),
    fc.array(tie('dynamic'), { maxLength: 3 }),
    tie('dynamicObject'),
  ),
  dynamicObject: fc.dictionary(text, tie('dynamic'), { maxKeys: 3 }),
}));

const integer = (s: TSchema) => {
  const min = typeof s.minimum === 'number' ? s.minimum : Number.MIN_SAFE_INTEGER;
  const max = typeof s.maximum === 'number' ? s.maximum : Number.MAX_SAFE_INTEGER;
  // A bounded range (a percentage, a delay) is drawn directly: filtering 64-bit draws into it
  // would almost never succeed.
  if (min >= -(2 ** 53) && max - min <= 2 ** 32) return fc.integer({ min, max });
  return fc.oneof(fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) }), fc.maxSafeInteger().filter((n) => n >= min && n <= max));
};

/** RFC 3339 with milliseconds in UTC, as formatTime writes (years 1970-9999, what the runtime parses). */
const dateTime = fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }).map((d) => d.toISOString());

const errorValue = fc
  .record(
    {
      error_type: fc.constantFrom(...Object.keys(ERROR_STATUS)),
      messages: fc.array(arbitraryOf(LocalizableMessageSchema), { maxLength: 2 }),
      data: dynamicObject,
    },
    { requiredKeys: ['error_type', 'messages'] },
  )
  .chain((e) => (e.error_type === 'UNAUTHENTICATED' ? fc.option(text, { nil: undefined }).map((c) => (c === undefined ? e : { ...e, challenge: c })) : fc.constant(e)));

/** Any value the schema allows: optional members present or absent, sets without duplicates. */
export function arbitraryOf(s: TSchema): fc.Arbitrary<unknown> {
  if (s.error === true) return errorValue;
  switch (s.type) {
    case 'object': {
      if (s.patternProperties) return fc.dictionary(text, arbitraryOf(Object.values(s.patternProperties as Record<string, TSchema>)[0]), { maxKeys: 3 });
      if (typeof s.vapi !== 'string') return dynamicObject;
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, p] of Object.entries((s.properties ?? {}) as Record<string, TSchema>)) model[k] = arbitraryOf(p);
      return fc.record(model, { requiredKeys: [...((s.required ?? []) as string[])] });
    }
    case 'array': {
      const item = arbitraryOf(s.items as TSchema);
      return s.uniqueItems ? fc.uniqueArray(item, { maxLength: 3, selector: (v) => JSON.stringify(v) }) : fc.array(item, { maxLength: 3 });
    }
    case 'string':
      if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as string[]));
      if (s.format === 'date-time') return dateTime;
      if (s.format === 'uri') return fc.webUrl();
      if (s.contentEncoding === 'base64') return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('base64'));
      return typeof s.minLength === 'number' ? fc.string({ unit: 'binary', minLength: s.minLength, maxLength: s.minLength + 12 }) : text;
    case 'integer':
      return integer(s);
    case 'number':
      return double(typeof s.minimum === 'number' ? s.minimum : undefined, typeof s.maximum === 'number' ? s.maximum : undefined);
    case 'boolean':
      return fc.boolean();
    default:
      return dynamic;
  }
}
