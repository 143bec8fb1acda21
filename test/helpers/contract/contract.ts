/**
 * The contract: both documents compiled (operations, Ajv validators, the extensions we serve
 * beside them), loaded once per process. When the documents are absent (a clone outside this
 * workspace) every check is off and `contractSkipReason()` says why.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { parse } from 'yaml';
import { checkObserved } from './check.ts';
import { EXTENSIONS } from './deviations.ts';
import { matchOperation } from './match.ts';
import {
  COMPONENTS,
  compareRelease,
  componentName,
  isObj,
  sinceOf,
  type CheckResult,
  type Json,
  type ObservedResponse,
  type SpecOperation,
  type SpecResponse,
} from './model.ts';
import { definitionsOf, SchemaConverter } from './schema.ts';
import { readOperations, SPEC_DIR_ENV, SPEC_FILES, specPath, type SpecName } from './spec.ts';

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

export class Contract {
  readonly operations: SpecOperation[] = [];
  readonly versions: Record<SpecName, string>;
  /** Raw component schemas per document, for static comparisons. */
  readonly components: Record<SpecName, Json>;
  private readonly ajv: Ajv;
  private readonly converters: Record<SpecName, SchemaConverter>;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(docs: Record<SpecName, Json>) {
    this.ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateFormats: true }));
    this.converters = { snapservice: new SchemaConverter('snapservice.json'), vcenter: new SchemaConverter('vcenter.json'), tagging: new SchemaConverter('tagging.json') };
    this.versions = { snapservice: '', vcenter: '', tagging: '' };
    this.components = { snapservice: {}, vcenter: {}, tagging: {} };
    for (const name of Object.keys(SPEC_FILES) as SpecName[]) {
      const doc = docs[name];
      this.versions[name] = String((doc.info as Json | undefined)?.version ?? '');
      const schemas = (((doc.components as Json | undefined)?.schemas ?? {}) as Json);
      this.components[name] = schemas;
      this.ajv.addSchema({ $id: `${name}.json`, definitions: definitionsOf(schemas, this.converters[name]) });
      this.operations.push(...readOperations(name, doc));
    }
    for (const ext of EXTENSIONS) {
      const responses: Record<string, SpecResponse> = {};
      for (const [code, comp] of Object.entries(ext.responses)) responses[code] = { description: '', schema: comp ? { $ref: `${COMPONENTS}${comp}` } : undefined };
      this.operations.push({ ...ext, task: false, select: {}, parameters: [], responses });
    }
    for (const conv of Object.values(this.converters)) {
      for (const f of conv.formats) if (!this.ajv.formats[f]) this.ajv.addFormat(f, true); // e.g. a format that is prose
    }
  }

  /** Ajv validator for a raw spec schema of `spec` (component refs allowed). */
  validator(spec: SpecName, schema: Json): ValidateFunction {
    const cacheKey = `${spec} ${JSON.stringify(schema)}`;
    let fn = this.validators.get(cacheKey);
    if (!fn) {
      fn = this.ajv.compile(this.converters[spec].convert(schema) as Json);
      this.validators.set(cacheKey, fn);
    }
    return fn;
  }

  componentValidator(spec: SpecName, component: string): ValidateFunction {
    return this.validator(spec, { $ref: `${COMPONENTS}${component}` });
  }

  /** The spec operation a concrete request addresses; `pathKnown` when some operation has that path. */
  match(method: string, pathname: string, query: URLSearchParams): { op?: SpecOperation; pathKnown: boolean; malformed?: string } {
    return matchOperation(this.operations, method, pathname, query);
  }

  /** Checks one response; never throws. */
  check(r: ObservedResponse): CheckResult {
    return checkObserved(this, r);
  }

  /**
   * Query parameter names of an operation, flattened as the REST binding sends them: a parameter
   * whose schema is a structure stands for its members. Members and parameters added after
   * `release` are left out.
   */
  queryParameters(op: SpecOperation, release: string): Set<string> {
    const names = new Set<string>();
    const upTo = (since: string | undefined) => since === undefined || compareRelease(since, release) <= 0;
    for (const p of op.parameters) {
      if (p.in !== 'query') continue;
      const comp = this.structOf(op.spec, p.schema);
      if (comp) {
        for (const [member, s] of Object.entries((comp.properties ?? {}) as Json)) {
          if (upTo(sinceOf((s as Json).description, 'property'))) names.add(member);
        }
      } else if (upTo(sinceOf(p.description, 'property'))) {
        names.add(p.name);
      }
    }
    return names;
  }

  /** The component object a `$ref` (or single-ref allOf) points at. */
  structOf(spec: SpecName, schema: unknown): Json | undefined {
    if (!isObj(schema)) return undefined;
    const ref = typeof schema.$ref === 'string' ? schema.$ref : Array.isArray(schema.allOf) && schema.allOf.length === 1 && isObj(schema.allOf[0]) ? schema.allOf[0].$ref : undefined;
    const name = typeof ref === 'string' ? componentName(ref) : undefined;
    const comp = name ? this.components[spec][name] : undefined;
    return isObj(comp) && comp.type === 'object' ? comp : undefined;
  }

  successStatus(op: SpecOperation): string[] {
    return Object.keys(op.responses).filter((c) => c.startsWith('2')).sort();
  }
}

// ---------------------------------------------------------------------------------------------
// Loading, once per process
// ---------------------------------------------------------------------------------------------

let loaded: { contract?: Contract; reason?: string } | undefined;

function load(): { contract?: Contract; reason?: string } {
  if (loaded) return loaded;
  const missing = (Object.keys(SPEC_FILES) as SpecName[]).filter((n) => !existsSync(specPath(n)));
  if (missing.length > 0) {
    loaded = {
      reason: `contract checks skipped: ${missing.map((n) => specPath(n)).join(' and ')} not found (the vendor spec lives beside the repository in ../shared/spec; set ${SPEC_DIR_ENV} to point elsewhere)`,
    };
    if (process.env.VITEST) console.warn(loaded.reason);
    return loaded;
  }
  const docs = Object.fromEntries((Object.keys(SPEC_FILES) as SpecName[]).map((n) => [n, parse(readFileSync(specPath(n), 'utf8')) as Json])) as Record<SpecName, Json>;
  loaded = { contract: new Contract(docs) };
  return loaded;
}

/** The loaded contract, or undefined when the spec files are absent. */
export function getContract(): Contract | undefined {
  return load().contract;
}

/** Why contract tests skip, or undefined when they run. */
export function contractSkipReason(): string | undefined {
  return load().reason;
}
