import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { allOperations } from '../../src/modules/index.ts';
import { isNotImplemented } from '../../src/modules/later/operations.ts';
import { LATER_OPERATIONS } from '../../src/modules/later/table.ts';
import { operationIdOf } from '../../src/vapi/openapi.ts';
import { operationKey, type Operation } from '../../src/vapi/operation.ts';
import { apiRelease, inRelease, RELEASES, type ReleaseName } from '../../src/vapi/release.ts';
import { renderTable, TABLE_PATH } from '../../scripts/later-operations.ts';
import {
  compareRelease,
  contractSkipReason,
  DEVIATIONS,
  endpointKey,
  getContract,
  opEndpoint,
  SERVED_RELEASE,
  type Contract,
  type SpecName,
  type SpecOperation,
} from '../helpers/contract.ts';
import { servedEndpoint, servedOperations, servedStatus } from './served.ts';
import { readFileSync } from 'node:fs';

/**
 * Our route table against the vendor's documents: every served operation is a documented one
 * (method, path, action, vmw-task, query parameters, success status, result shape), the whole
 * 8.0.3 surface is served, every later operation is either served or answers UNSUPPORTED, and
 * with --release the routes are exactly that release's operations.
 */
const contract = getContract();
const skip = contractSkipReason();
const served = servedOperations();

function specFor(c: Contract, op: Operation): SpecOperation | undefined {
  const key = servedEndpoint(op);
  return c.operations.find((s) => opEndpoint(s) === key);
}

const RELEASE_NAMES = Object.keys(RELEASES) as ReleaseName[];

/** The release whose parameters we take; the vCenter subset is cut from one vCenter release and followed whole. */
function releaseOf(spec: SpecOperation, release: ReleaseName): string {
  return spec.spec === 'snapservice' ? apiRelease(release) : '99';
}

/** Query keys our REST binding accepts: members of each `rest.query` structure. */
function ourQueryNames(op: Operation): Set<string> {
  const names = new Set<string>();
  const props = op.input.properties as Record<string, TSchema>;
  for (const field of op.rest.query ?? []) for (const m of Object.keys(props[field]?.properties ?? {})) names.add(m);
  return names;
}

type Json = Record<string, unknown>;

/** A spec schema with $ref and allOf resolved into one view of properties and required members. */
function resolved(c: Contract, spec: SpecName, s: unknown, depth = 0): { properties?: Json; required: string[]; items?: unknown; isObject: boolean } {
  const node = (s ?? {}) as Json;
  if (typeof node.$ref === 'string') return resolved(c, spec, c.components[spec][node.$ref.split('/').pop() as string], depth + 1);
  let properties = node.properties as Json | undefined;
  const required = [...((node.required as string[] | undefined) ?? [])];
  for (const m of (node.allOf as unknown[] | undefined) ?? []) {
    const r = resolved(c, spec, m, depth + 1);
    if (r.properties) properties = { ...(properties ?? {}), ...r.properties };
    required.push(...r.required);
  }
  return { properties, required, items: node.items, isObject: node.type === 'object' || properties !== undefined };
}

/** Members we may send that the spec does not know, and members the spec requires that we never send. */
function shapeProblems(c: Contract, spec: SpecName, ours: TSchema, theirs: unknown, at: string, out: string[], depth = 0): void {
  if (depth > 12) return;
  const t = resolved(c, spec, theirs);
  if (ours.type === 'array' && ours.items && t.items) return shapeProblems(c, spec, ours.items as TSchema, t.items, `${at}[]`, out, depth + 1);
  if (ours.type !== 'object' || !ours.properties || !t.properties) return;
  const mine = ours.properties as Record<string, TSchema>;
  const mineRequired = new Set((ours.required as string[] | undefined) ?? []);
  for (const p of Object.keys(mine)) if (!(p in t.properties)) out.push(`${at}.${p}: we may send it; the spec does not know it`);
  for (const r of t.required) {
    if (!(r in mine)) out.push(`${at}.${r}: the spec requires it; our schema has no such member`);
    else if (!mineRequired.has(r)) out.push(`${at}.${r}: the spec requires it; our schema lets us leave it out`);
  }
  for (const p of Object.keys(mine)) if (p in t.properties) shapeProblems(c, spec, mine[p], t.properties[p], `${at}.${p}`, out, depth + 1);
}

describe('route table against the vendor documents', () => {
  it('serves every operation at a documented method, path, action and vmw-task', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const unknown = served.filter((op) => !specFor(c, op)).map((op) => `${operationKey(op)} at ${servedEndpoint(op)}`);
    expect(unknown, 'served operations that match no spec operation (add them to the spec or to EXTENSIONS in contract.ts, with the reason)').toEqual([]);
    // One served operation per spec operation.
    const seen = new Map<string, string>();
    for (const op of served) {
      const id = specFor(c, op)?.operationId as string;
      expect(seen.get(id), `${id} served twice`).toBeUndefined();
      seen.set(id, operationKey(op));
    }
  });

  it.for(RELEASE_NAMES)('with --release %s, takes exactly the query parameters the spec documents for it (structures flattened)', (release, ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const problems: string[] = [];
    for (const op of servedOperations(release)) {
      const spec = specFor(c, op);
      if (!spec || spec.extension) continue;
      const theirs = c.queryParameters(spec, releaseOf(spec, release));
      for (const n of DEVIATIONS.unservedQueryMembers.operations[spec.operationId] ?? []) theirs.delete(n);
      const ours = ourQueryNames(op);
      const missing = [...theirs].filter((n) => !ours.has(n));
      const extra = [...ours].filter((n) => !theirs.has(n));
      if (missing.length || extra.length) problems.push(`${spec.operationId}: we lack [${missing.join(', ')}], we add [${extra.join(', ')}]`);
    }
    expect(problems).toEqual([]);
  });

  it.for(RELEASE_NAMES)('with --release %s, has a route for exactly the vendor operations of that release, served or answering UNSUPPORTED', (release, ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const routes = allOperations({ sim: false, release }).filter((op) => op.service.startsWith('com.vmware.snapservice.'));
    const ours = routes.map(operationIdOf).sort();
    const theirs = c.operations.filter((s) => s.spec === 'snapservice' && inRelease(s.since, apiRelease(release))).map((s) => s.operationId).sort();
    expect(ours).toEqual(theirs);
    // The operations a release has and we do not serve yet are exactly the placeholders.
    const unserved = routes.filter(isNotImplemented).map(operationIdOf).sort();
    expect(unserved).toEqual(LATER_OPERATIONS.filter((e) => inRelease(e.since, apiRelease(release))).map((e) => e.operationId).sort());
  });

  it('answers the documented success status, with content exactly where the spec has it', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const problems: string[] = [];
    for (const op of served) {
      const spec = specFor(c, op);
      if (!spec) continue;
      const theirs = c.successStatus(spec);
      const ours = String(servedStatus(op));
      if (theirs.length !== 1 || theirs[0] !== ours) problems.push(`${spec.operationId}: we answer ${ours}, the spec declares ${theirs.join(', ')}`);
      const weSend = op.rest.task === true || op.output !== undefined;
      const theySend = theirs.some((s) => spec.responses[s]?.schema !== undefined);
      if (weSend !== theySend) problems.push(`${spec.operationId}: we ${weSend ? 'send' : 'send no'} content; the spec ${theySend ? 'has' : 'has none'}`);
    }
    expect(problems).toEqual([]);
  });

  it('declares results the spec accepts: no members it does not know, every member it requires', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const problems: string[] = [];
    for (const op of served) {
      const spec = specFor(c, op);
      if (!spec || !op.output) continue;
      const success = c.successStatus(spec)[0];
      const schema = success ? spec.responses[success]?.schema : undefined;
      if (schema) shapeProblems(c, spec.spec, op.output, schema, spec.operationId, problems);
    }
    expect(problems).toEqual([]);
  });

  it('serves the whole 8.0.3 surface, and the 9.0 sessions resource (latest release)', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const ours = new Set(served.map(servedEndpoint));
    const required = c.operations.filter(
      (s) => s.spec === 'snapservice' && !s.extension && ((s.since !== undefined && compareRelease(s.since, SERVED_RELEASE) <= 0) || s.operationId.startsWith('Snapservice.Sessions_')),
    );
    expect(required.length).toBeGreaterThan(20);
    const missing = required.filter((s) => !ours.has(opEndpoint(s))).map((s) => `${s.operationId} (${s.since}) ${opEndpoint(s)}`);
    expect(missing, 'vendor operations of the served surface that we do not serve').toEqual([]);
  });

  it('answers every later vendor operation either for real or with UNSUPPORTED, never both', (ctx) => {
    ctx.skip(!contract, skip);
    const c = contract as Contract;
    const ours = new Set(served.map(servedEndpoint));
    const later = new Map(LATER_OPERATIONS.map((e) => [endpointKey(e.method, e.path, e), e.operationId]));
    const problems: string[] = [];
    for (const s of c.operations.filter((o) => o.spec === 'snapservice' && !o.extension)) {
      const key = opEndpoint(s);
      if (ours.has(key) && later.has(key)) problems.push(`${s.operationId}: served and also registered as not implemented`);
      if (!ours.has(key) && !later.has(key)) problems.push(`${s.operationId}: neither served nor registered as not implemented`);
    }
    expect(problems).toEqual([]);
    expect(readFileSync(TABLE_PATH, 'utf8'), 'src/modules/later/table.ts is stale: node --import tsx scripts/later-operations.ts').toBe(renderTable(c));
  });
});
