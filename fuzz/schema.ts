import fc from 'fast-check';

/**
 * The served OpenAPI document read as the fuzzer needs it: every operation with its method,
 * path (and the `?action=...` part), parameters and body schema; and values drawn from those
 * schemas, valid or deliberately not.
 */
export interface Schema {
  type?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  format?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
}

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: Schema;
}

export interface ApiOperation {
  method: string;
  /** Path under the server's base, with `{param}` placeholders, without the query. */
  path: string;
  /** The fixed query of the document's path key (`action=revert&vmw-task=true`). */
  fixedQuery: string;
  params: Param[];
  body?: Schema;
}

interface OpenApiDoc {
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, { parameters?: Param[]; requestBody?: { content?: Record<string, { schema: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}

export class Api {
  readonly operations: ApiOperation[] = [];
  readonly base: string;
  private readonly schemas: Record<string, Schema>;

  constructor(doc: OpenApiDoc) {
    this.base = doc.servers?.[0]?.url ?? '';
    this.schemas = doc.components?.schemas ?? {};
    for (const [key, methods] of Object.entries(doc.paths)) {
      const [path, fixedQuery = ''] = key.split('?');
      for (const [method, op] of Object.entries(methods)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const body = op.requestBody?.content?.['application/json']?.schema;
        this.operations.push({ method: method.toUpperCase(), path: this.base + path, fixedQuery, params: op.parameters ?? [], body });
      }
    }
  }

  resolve(s: Schema): Schema {
    let out = s;
    for (let i = 0; out.$ref && i < 20; i++) out = this.schemas[out.$ref.replace('#/components/schemas/', '')] ?? {};
    return out;
  }

  /** A value that fits the schema, within reason (strings short, arrays small). */
  valid(s: Schema, r: Rng, depth = 0): unknown {
    const x = this.resolve(s);
    const alt = x.anyOf ?? x.oneOf;
    if (alt) return this.valid(r.pick(alt), r, depth + 1);
    if (x.allOf) return Object.assign({}, ...x.allOf.map((a) => this.valid(a, r, depth + 1)));
    if (x.enum) return r.pick(x.enum);
    switch (x.type) {
      case 'string':
        return x.format === 'date-time' ? new Date(Date.UTC(2026, 0, 1) + r.int(0, 1e10)).toISOString() : r.word();
      case 'integer':
        return r.int(x.minimum ?? 0, Math.min(x.maximum ?? 100, 1e6));
      case 'number':
        return r.int(0, 1000) / 10;
      case 'boolean':
        return r.chance(0.5);
      case 'array':
        return depth > 6 ? [] : Array.from({ length: r.int(0, 3) }, () => this.valid(x.items ?? {}, r, depth + 1));
      case 'object':
      default: {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(x.properties ?? {})) {
          if ((x.required ?? []).includes(k) || (depth < 6 && r.chance(0.5))) out[k] = this.valid(v, r, depth + 1);
        }
        return out;
      }
    }
  }

  /** A value that fits the schema except in one place: a wrong type, an unknown field, null, an edge. */
  invalid(s: Schema, r: Rng): unknown {
    const value = this.valid(s, r);
    const x = this.resolve(s);
    if (x.type === 'object' || x.properties) {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(x.properties ?? {});
      if (keys.length > 0 && r.chance(0.7)) {
        const k = r.pick(keys);
        obj[k] = r.chance(0.5) ? r.oddValue() : this.invalid(x.properties![k], r);
      } else {
        obj[r.chance(0.5) ? r.word() : r.oddString()] = r.oddValue();
      }
      return obj;
    }
    return r.oddValue();
  }
}

/** Deterministic choices from a seed, so that a failing run can be repeated exactly. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32 */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  word(): string {
    return this.pick(['web-01', 'db-01', 'x', 'vm-1', 'domain-c5', 'a b', 'Ünïcødé', '*', 'name_1', '']);
  }

  /** Strings from fast-check's generators: any code points, lone surrogates, control characters. */
  oddString(): string {
    const arb = this.pick([
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom('\u0000', '\ud800', '../../etc/passwd', "'; drop table vms; --", '%00', '${jndi:x}', '*a*a*a*a*a*a*a*a*a*a*a*a*b', 'x'.repeat(5000)),
    ]);
    return fc.sample(arb, { seed: this.int(0, 2 ** 31), numRuns: 1 })[0];
  }

  oddValue(): unknown {
    const arb = this.pick<fc.Arbitrary<unknown>>([
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(null, true, -1, 0, 1.5, 2 ** 53, -(2 ** 63), 1e308, [], {}, [[[]]], { STRUCTURE: {} }),
      fc.string({ unit: 'binary', maxLength: 30 }),
    ]);
    return fc.sample(arb, { seed: this.int(0, 2 ** 31), numRuns: 1 })[0];
  }
}
