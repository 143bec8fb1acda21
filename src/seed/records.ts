import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { demoSeed } from './demo.ts';
import { SeedLine, SeedSchema, type Seed, type SeedClusterHeader, type SeedDatacenterHeader, type SeedLineRecord, type SeedVmSpec } from './format.ts';

/**
 * A seed as a sequence of records in creation order, whatever its file format: the applier
 * writes each VM as soon as it is read, so a streamed seed never sits in memory whole.
 */
export type SeedRecord =
  | { datacenter: SeedDatacenterHeader }
  | { cluster: SeedClusterHeader }
  | { vm: SeedVmSpec }
  /** Everything applied after the inventory (roles, users, tags, groups, faults); always last. */
  | { rest: Seed };

export const BUILT_IN_SEEDS = new Set(['empty', 'demo', 'demo-inventory']);

/** Whether a seed file is in the line format (streamed) rather than one JSON document. */
export const isLineSeed = (name: string): boolean => /\.(jsonl|ndjson)$/i.test(name);

export function parseSeed(input: unknown): Seed {
  const errs = [...Value.Errors(SeedSchema, input)];
  if (errs.length > 0) {
    throw new Error(`invalid seed: ${errs.slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`).join('; ')}`);
  }
  return input as Seed;
}

/** The records of a whole seed, in the order its objects get their ids. */
export function* recordsOf(seed: Seed): Generator<SeedRecord> {
  for (const { clusters, ...dc } of seed.datacenters ?? []) {
    yield { datacenter: dc };
    for (const { vms, ...cluster } of clusters ?? []) {
      yield { cluster };
      for (const vm of vms ?? []) yield { vm };
    }
  }
  const { datacenters: _, ...rest } = seed;
  yield { rest };
}

/** A seed by name: built in, a JSON file (read whole) or a line file (streamed). */
export async function* seedRecords(name: string): AsyncGenerator<SeedRecord> {
  if (isLineSeed(name)) {
    yield* lineRecords(name);
    return;
  }
  yield* recordsOf(await loadWholeSeed(name));
}

export async function loadWholeSeed(name: string): Promise<Seed> {
  if (name === 'empty') return {};
  if (name === 'demo') return demoSeed();
  if (name === 'demo-inventory') return demoSeed({ groups: false });
  let text: string;
  try {
    text = await readFile(name, 'utf8');
  } catch (err) {
    throw new Error(`cannot read seed file '${name}': ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`seed file '${name}' is not valid JSON: ${(err as Error).message}`);
  }
  return parseSeed(json);
}

/** Each record kind's schema, so that an error names the field, not the union. */
const byKind = new Map(SeedLine.anyOf.map((member) => [Object.keys(member.properties)[0], { schema: member, check: TypeCompiler.Compile(member) }]));

/**
 * Reads a line seed one line at a time. With `only`, lines are skipped unparsed unless their
 * record kind is in it (reading the fault rules at every start need not parse a million VMs).
 */
export async function* lineRecords(name: string, only?: ReadonlySet<string>): AsyncGenerator<SeedRecord> {
  const input = createReadStream(name, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (err) => reject(new Error(`cannot read seed file '${name}': ${err.message}`)));
  });
  await opened;
  const lines = createInterface({ input, crlfDelay: Infinity });
  const rest: Required<Pick<Seed, 'roles' | 'users' | 'tag_categories' | 'protection_groups' | 'faults'>> = {
    roles: [], users: [], tag_categories: [], protection_groups: [], faults: [],
  };
  let lineNo = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      if (only && !only.has(kindOf(line))) continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch (err) {
        throw new Error(`seed file '${name}' line ${lineNo} is not valid JSON: ${(err as Error).message}`);
      }
      const kind = json !== null && typeof json === 'object' && !Array.isArray(json) ? Object.keys(json) : [];
      const checker = kind.length === 1 ? byKind.get(kind[0]) : undefined;
      if (!checker) {
        throw new Error(`invalid seed: '${name}' line ${lineNo}: a record is an object with one key of ${[...byKind.keys()].join(', ')}`);
      }
      if (!checker.check.Check(json)) {
        const e = [...Value.Errors(checker.schema, json)][0];
        throw new Error(`invalid seed: '${name}' line ${lineNo}: ${e ? `${e.path || '/'}: ${e.message}` : 'not a seed record'}`);
      }
      const r = json as SeedLineRecord;
      if ('datacenter' in r) yield r;
      else if ('cluster' in r) yield r;
      else if ('vm' in r) yield r;
      else if ('role' in r) rest.roles.push(r.role);
      else if ('user' in r) rest.users.push(r.user);
      else if ('tag_category' in r) rest.tag_categories.push(r.tag_category);
      else if ('protection_group' in r) rest.protection_groups.push(r.protection_group);
      else rest.faults.push(r.fault);
    }
  } finally {
    lines.close();
    input.destroy();
  }
  yield { rest };
}

/** The record kind of a line, read from its first key without parsing the line. */
function kindOf(line: string): string {
  const m = /^\s*\{\s*"([a-z_]+)"/.exec(line);
  return m ? m[1] : '';
}

/** The JSON format of a seed in the line format: one record per line. */
export function* toLines(seed: Seed): Generator<string> {
  for (const r of recordsOf(seed)) {
    if (!('rest' in r)) {
      yield JSON.stringify(r);
      continue;
    }
    for (const role of r.rest.roles ?? []) yield JSON.stringify({ role });
    for (const user of r.rest.users ?? []) yield JSON.stringify({ user });
    for (const c of r.rest.tag_categories ?? []) yield JSON.stringify({ tag_category: c });
    for (const g of r.rest.protection_groups ?? []) yield JSON.stringify({ protection_group: g });
    for (const fault of r.rest.faults ?? []) yield JSON.stringify({ fault });
  }
}
