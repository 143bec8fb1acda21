import { Kind, OptionalKind, type TSchema } from '@sinclair/typebox';
import { parseArgs } from 'node:util';
import { ConfigSchema, makeConfig, type Config, type ConfigInput } from '../config/config.ts';

/**
 * Flags are derived from the Config schema: every leaf field gets one, named mechanically
 * (`taskDelayMs` -> `--task-delay-ms`, `limits.snapshotsPerVm` -> `--limits-snapshots-per-vm`)
 * unless renamed below, with an environment variable `SNAPSERVICE_` + the flag in upper snake
 * case. A new Config field thus gets a flag, an env var and a help line for free.
 */
const RENAMED: Record<string, string> = {
  dataDir: 'data',
  certFile: 'cert',
  keyFile: 'key',
};

/** Choices the schema does not spell out itself. */
const CHOICES: Record<string, string[]> = {
  logLevel: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
};

export const ENV_PREFIX = 'SNAPSERVICE_';

export interface FlagSpec {
  /** Path of the Config field, e.g. ['limits', 'snapshotsPerVm']. */
  path: string[];
  /** Without the leading dashes. */
  flag: string;
  env: string;
  kind: 'integer' | 'number' | 'boolean' | 'string';
  choices?: string[];
  default?: unknown;
  optional: boolean;
}

export class UsageError extends Error {}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function flagSpecs(): FlagSpec[] {
  const out: FlagSpec[] = [];
  const walk = (schema: TSchema, path: string[]) => {
    for (const [name, field] of Object.entries(schema.properties as Record<string, TSchema>)) {
      const p = [...path, name];
      if (field[Kind] === 'Object') {
        walk(field, p);
        continue;
      }
      const key = p.join('.');
      const flag = RENAMED[key] ?? p.map(kebab).join('-');
      const kinds: Record<string, FlagSpec['kind']> = { Integer: 'integer', Number: 'number', Boolean: 'boolean', String: 'string' };
      let kind = kinds[field[Kind] as string];
      let choices = CHOICES[key];
      if (field[Kind] === 'Union' && (field.anyOf as TSchema[]).every((s) => typeof s.const === 'string')) {
        kind = 'string';
        choices = (field.anyOf as TSchema[]).map((s) => s.const as string);
      }
      if (!kind) throw new Error(`Config field ${key} has a type the CLI cannot map (${String(field[Kind])})`);
      out.push({
        path: p, flag, kind, choices,
        env: ENV_PREFIX + flag.toUpperCase().replace(/-/g, '_'),
        default: field.default,
        optional: field[OptionalKind] === 'Optional',
      });
    }
  };
  walk(ConfigSchema, []);
  return out;
}

export interface ParsedServe {
  help: boolean;
  config: Config;
  /** Config paths given explicitly (by flag or env var). */
  given: Set<string>;
}

/**
 * argv + environment -> a validated Config. Flags win over env vars, env vars over defaults.
 * Throws UsageError with a readable message naming the flag.
 */
export function parseServeArgs(argv: string[], env: Record<string, string | undefined> = {}): ParsedServe {
  const specs = flagSpecs();
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const s of specs) options[s.flag] = { type: s.kind === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false, allowNegative: true }));
  } catch (err) {
    throw new UsageError(parseArgsMessage(err as Error & { code?: string }, specs));
  }
  if (values.help) return { help: true, config: makeConfig(), given: new Set() };

  const input: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const s of specs) {
    let raw: string | boolean | undefined = values[s.flag];
    let source = `--${s.flag}`;
    if (raw === undefined && env[s.env] !== undefined && env[s.env] !== '') {
      raw = env[s.env];
      source = s.env;
    }
    if (raw === undefined) continue;
    setPath(input, s.path, convert(s, raw, source));
    given.add(s.path.join('.'));
  }

  let config: Config;
  try {
    config = makeConfig(input as ConfigInput);
  } catch (err) {
    throw new UsageError(renameConfigErrors((err as Error).message, specs));
  }
  checkCombinations(config, given);
  return { help: false, config, given };
}

function convert(s: FlagSpec, raw: string | boolean, source: string): unknown {
  if (s.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new UsageError(`${source} expects true or false, got '${raw}'`);
  }
  const text = String(raw);
  if (s.choices && !s.choices.includes(text)) throw new UsageError(`${source} must be one of ${s.choices.join(', ')}; got '${text}'`);
  if (s.kind === 'integer') {
    if (!/^[+-]?\d+$/.test(text.trim())) throw new UsageError(`${source} expects a whole number, got '${text}'`);
    return Number(text);
  }
  if (s.kind === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${source} expects a number, got '${text}'`);
    return n;
  }
  return text;
}

function checkCombinations(config: Config, given: Set<string>): void {
  if (config.clockStart !== undefined) {
    const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
    if (!rfc3339.test(config.clockStart) || Number.isNaN(Date.parse(config.clockStart))) {
      throw new UsageError(`--clock-start expects an RFC 3339 time such as 2026-01-01T00:00:00Z, got '${config.clockStart}'`);
    }
  }
  if (config.store !== 'sqlite' && !/^postgres(ql)?:\/\/./.test(config.store)) {
    throw new UsageError(`--store must be 'sqlite' or a postgres:// URL, got '${config.store}'`);
  }
  if (config.certFile === undefined && config.keyFile !== undefined) throw new UsageError('--key needs --cert');
  if (config.certFile !== undefined && config.keyFile === undefined) throw new UsageError('--cert needs --key');
  if (config.http && config.certFile !== undefined) throw new UsageError('--cert/--key make no sense with --http');
  if (config.siteUrl !== undefined && !isHttpsOrigin(config.siteUrl)) {
    throw new UsageError(`--site-url expects https://host:port (how a paired site reaches this server), got '${config.siteUrl}'`);
  }
  if (config.seed === '' && given.has('seed')) throw new UsageError("--seed expects demo, empty or a file name");
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1]] = value;
}

/** makeConfig's "  /port: Expected ..." lines, with the schema path replaced by the flag. */
function renameConfigErrors(message: string, specs: FlagSpec[]): string {
  const byPath = new Map(specs.map((s) => [`/${s.path.join('/')}`, s]));
  return message
    .split('\n')
    .map((line) => line.replace(/^(\s*)(\/\S*): (.*)$/, (all, indent: string, path: string, why: string) => {
      const s = byPath.get(path);
      return s ? `${indent}--${s.flag} (${s.env}): ${why.charAt(0).toLowerCase()}${why.slice(1)}` : all;
    }))
    .join('\n');
}

function parseArgsMessage(err: Error & { code?: string }, specs: FlagSpec[]): string {
  const name = /'(-[^']*)'/.exec(err.message)?.[1];
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const guess = name ? closest(name.replace(/^-+/, '').replace(/^no-/, '').split('=')[0], specs.map((s) => s.flag)) : undefined;
      return `unknown option '${name}'${guess ? ` (did you mean --${guess}?)` : ''}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
    {
      const flag = (name ?? '').split(' ')[0];
      if (/does not take an argument/.test(err.message)) return `option '${flag}' takes no value (use ${flag} or --no-${flag.replace(/^-+/, '')})`;
      if (/argument missing/.test(err.message)) return `option '${flag}' needs a value`;
      if (/ambiguous/.test(err.message)) return `option '${flag}' needs a value; for one starting with '-' write ${flag}=-…`;
      return err.message;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(err.message)?.[0] ?? ''}`.trim();
    default:
      return err.message;
  }
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function isHttpsOrigin(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'https:' && u.hostname !== '' && (u.pathname === '/' || u.pathname === '') && !u.search && !u.hash && !u.username;
  } catch {
    return false;
  }
}
