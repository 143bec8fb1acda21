import { Kind, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { flagSpecs, isLoopback, parseServeArgs, UsageError } from '../../src/cli/flags.ts';
import { FIELD_HELP, renderServeHelp } from '../../src/cli/help.ts';
import type { Io } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { ConfigSchema, makeConfig } from '../../src/config/config.ts';

const parse = (argv: string[], env: Record<string, string> = {}) => parseServeArgs(argv, env).config;
const usage = (argv: string[], env: Record<string, string> = {}) => {
  try {
    parseServeArgs(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

function leaves(schema: TSchema, path: string[] = []): string[] {
  return Object.entries(schema.properties as Record<string, TSchema>).flatMap(([k, v]) =>
    v[Kind] === 'Object' ? leaves(v, [...path, k]) : [[...path, k].join('.')],
  );
}

describe('flags derived from the Config schema', () => {
  it('gives every Config field exactly one flag, env var and help line', () => {
    const specs = flagSpecs();
    expect(specs.map((s) => s.path.join('.')).sort()).toEqual(leaves(ConfigSchema).sort());
    expect(new Set(specs.map((s) => s.flag)).size).toBe(specs.length);
    expect(new Set(specs.map((s) => s.env)).size).toBe(specs.length);
    // A field nobody wrote help for still gets a generic line.
    const generic = renderServeHelp([{ path: ['newField'], flag: 'new-field', env: 'SNAPSERVICE_NEW_FIELD', kind: 'integer', default: 3, optional: false }]);
    expect(generic).toContain('--new-field INTEGER');
    expect(generic).toContain('Config field newField [default: 3]');
    const help = renderServeHelp(specs);
    for (const s of specs) {
      expect(help).toContain(`--${s.kind === 'boolean' ? '[no-]' : ''}${s.flag}`);
      expect(help).toContain(s.env);
      expect(help).toContain(FIELD_HELP[s.path.join('.')]?.[1] ?? `Config field ${s.path.join('.')}`);
    }
  });

  it('names flags mechanically, with the documented renames', () => {
    const byPath = Object.fromEntries(flagSpecs().map((s) => [s.path.join('.'), s]));
    expect(byPath.taskDelayMs).toMatchObject({ flag: 'task-delay-ms', env: 'SNAPSERVICE_TASK_DELAY_MS', kind: 'integer', default: 2000 });
    expect(byPath.dataDir).toMatchObject({ flag: 'data', env: 'SNAPSERVICE_DATA' });
    expect(byPath.certFile).toMatchObject({ flag: 'cert', env: 'SNAPSERVICE_CERT', optional: true });
    expect(byPath.keyFile).toMatchObject({ flag: 'key', env: 'SNAPSERVICE_KEY' });
    expect(byPath['limits.snapshotsPerVm']).toMatchObject({ flag: 'limits-snapshots-per-vm', kind: 'integer' });
    expect(byPath.clock).toMatchObject({ kind: 'string', choices: ['system', 'manual'] });
    expect(byPath.release).toMatchObject({ flag: 'release', env: 'SNAPSERVICE_RELEASE', kind: 'string', choices: ['8.0.3', '9.0', '9.1'], default: '9.1' });
    expect(byPath.taskMsPerBlock.kind).toBe('number');
    expect(byPath.http.kind).toBe('boolean');
  });
});

describe('parseServeArgs', () => {
  it('defaults to the Config defaults', () => {
    expect(parse([])).toEqual(makeConfig());
    expect(parse([])).toMatchObject({ host: '127.0.0.1', port: 8443, dataDir: './data', seed: 'demo', http: false, maxConcurrentReverts: 4 });
  });

  it('reads flags of every kind, in both --flag value and --flag=value forms', () => {
    const c = parse([
      '--host', '::1', '--port=0', '--data', ':memory:', '--seed', 'empty', '--http', '--sim',
      '--max-concurrent-reverts', '7', '--task-ms-per-block', '0.5', '--clock', 'manual',
      '--clock-start', '2026-01-02T03:04:05Z', '--store', 'postgres://u@h/db', '--log-level', 'debug',
      '--log-requests', '--limits-snapshots-per-vm', '20',
    ]);
    expect(c).toMatchObject({
      host: '::1', port: 0, dataDir: ':memory:', seed: 'empty', http: true, sim: true, maxConcurrentReverts: 7,
      taskMsPerBlock: 0.5, clock: 'manual', clockStart: '2026-01-02T03:04:05Z', store: 'postgres://u@h/db',
      logLevel: 'debug', logRequests: true, limits: { snapshotsPerVm: 20, policiesPerGroup: 10 },
    });
  });

  it('reads SNAPSERVICE_* env vars; flags win over them; --no-x turns a boolean off', () => {
    const env = { SNAPSERVICE_PORT: '9000', SNAPSERVICE_DATA: '/tmp/x', SNAPSERVICE_HTTP: 'yes', SNAPSERVICE_SIM: '1', SNAPSERVICE_LIMITS_GROUPS_PER_CLUSTER: '5' };
    expect(parse([], env)).toMatchObject({ port: 9000, dataDir: '/tmp/x', http: true, sim: true, limits: { groupsPerCluster: 5 } });
    expect(parse(['--port', '1', '--no-http'], env)).toMatchObject({ port: 1, http: false, sim: true });
    expect(parse([], { SNAPSERVICE_HTTP: 'off', SNAPSERVICE_PORT: '' })).toMatchObject({ http: false, port: 8443 });
    expect(usage([], { SNAPSERVICE_HTTP: 'maybe' })).toBe("SNAPSERVICE_HTTP expects true or false, got 'maybe'");
    expect(usage([], { SNAPSERVICE_PORT: 'x' })).toBe("SNAPSERVICE_PORT expects a whole number, got 'x'");
  });

  it('starts tasks at admission unless a queue delay is asked for', () => {
    expect(parse([])).toMatchObject({ taskQueueMs: 0 });
    expect(parse(['--task-delay-ms', '0', '--task-queue-ms', '50'])).toMatchObject({ taskDelayMs: 0, taskQueueMs: 50 });
    expect(parse([], { SNAPSERVICE_TASK_QUEUE_MS: '500' })).toMatchObject({ taskQueueMs: 500 });
  });

  it('explains bad input, naming the flag', () => {
    expect(usage(['--port', 'abc'])).toBe("--port expects a whole number, got 'abc'");
    expect(usage(['--port', '1.5'])).toBe("--port expects a whole number, got '1.5'");
    expect(usage(['--task-ms-per-block', 'x'])).toBe("--task-ms-per-block expects a number, got 'x'");
    expect(usage(['--port', '-1'])).toBe("option '--port' needs a value; for one starting with '-' write --port=-…");
    expect(usage(['--port=-1'])).toMatch(/--port \(SNAPSERVICE_PORT\): expected integer to be greater or equal to 0/);
    expect(usage(['--max-concurrent-reverts=0', '--limits-snapshots-per-vm=0'])).toMatch(
      /invalid configuration:\n {2}--max-concurrent-reverts \(SNAPSERVICE_MAX_CONCURRENT_REVERTS\): .*\n {2}--limits-snapshots-per-vm \(SNAPSERVICE_LIMITS_SNAPSHOTS_PER_VM\): /,
    );
    expect(usage(['--admin-password', ''])).toMatch(/--admin-password/);
    expect(usage(['--prot', '1'])).toBe("unknown option '--prot' (did you mean --port?)");
    expect(usage(['--frobnicate'])).toBe("unknown option '--frobnicate'");
    expect(usage(['--port'])).toBe("option '--port' needs a value");
    expect(usage(['--http=yes'])).toBe("option '--http' takes no value (use --http or --no-http)");
    expect(usage(['serve'])).toBe("unexpected argument 'serve'");
    expect(usage(['--clock', 'fast'])).toBe("--clock must be one of system, manual; got 'fast'");
    expect(usage(['--release', '8.0'])).toBe("--release must be one of 8.0.3, 9.0, 9.1; got '8.0'");
    expect(parse([], { SNAPSERVICE_RELEASE: '9.0' }).release).toBe('9.0');
    expect(usage(['--log-level', 'loud'])).toMatch(/--log-level must be one of fatal, error, warn, info, debug, trace, silent/);
    expect(usage(['--clock-start', '2026-01-01'])).toMatch(/--clock-start expects an RFC 3339 time/);
    expect(usage(['--clock', 'manual', '--clock-start', '2026-01-01'])).toMatch(/--clock-start expects an RFC 3339 time/);
    expect(usage(['--store', 'mysql://h/db'])).toMatch(/--store must be 'sqlite' or a postgres:\/\/ URL/);
    expect(usage(['--cert', 'c.pem'])).toBe('--cert needs --key');
    expect(usage(['--key', 'k.pem'])).toBe('--key needs --cert');
    expect(usage(['--http', '--cert', 'c.pem', '--key', 'k.pem'])).toMatch(/make no sense with --http/);
    expect(usage(['--site-url', 'http://h:1'])).toMatch(/--site-url expects https:\/\/host:port/);
    expect(usage(['--site-url', 'https://h:1/api'])).toMatch(/--site-url expects/);
    expect(usage(['--site-name', ''])).toMatch(/site-name/);
    expect(parse(['--site-url', 'https://nyc.example:9443', '--site-name', 'nyc']).siteUrl).toBe('https://nyc.example:9443');
  });

  it('recognises --help', () => {
    expect(parseServeArgs(['--help']).help).toBe(true);
    expect(parseServeArgs(['-h', '--port', 'x']).help).toBe(true);
  });
});

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['::1', true], ['[::1]', true], ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false], ['::', false], ['10.0.0.1', false], ['example.com', false], ['128.0.0.1', false],
  ])('%s -> %s', (host, expected) => expect(isLoopback(host)).toBe(expected));
});

describe('main', () => {
  function io(env: Record<string, string> = {}) {
    const o = { out: '', err: '' };
    const value: Io = { env, out: (t) => void (o.out += t), err: (t) => void (o.err += t) };
    return { io: value, o };
  }

  it('dispatches help, version and unknown commands', async () => {
    let t = io();
    expect(await main(['--help'], t.io)).toBe(0);
    expect(t.o.out).toContain('serve');
    t = io();
    expect(await main(['help', 'serve'], t.io)).toBe(0);
    expect(t.o.out).toContain('Usage: snapservice serve');
    t = io();
    expect(await main(['version'], t.io)).toBe(0);
    expect(t.o.out).toMatch(/^\d+\.\d+\.\d+\n$/);
    t = io();
    expect(await main([], t.io)).toBe(2);
    expect(t.o.err).toContain('Usage: snapservice <command>');
    t = io();
    expect(await main(['frob'], t.io)).toBe(2);
    expect(t.o.err).toContain("unknown command 'frob'");
  });

  it('refuses a non-loopback host with the default password (exit 2) and reports usage errors (exit 2)', async () => {
    let t = io({ SNAPSERVICE_HOST: '0.0.0.0' });
    expect(await main(['serve', '--data', ':memory:'], t.io)).toBe(2);
    expect(t.o.err).toContain('refusing to listen on 0.0.0.0 with the default password');
    expect(t.o.out).toBe('');
    t = io();
    expect(await main(['serve', '--port', 'x'], t.io)).toBe(2);
    expect(t.o.err).toBe("snapservice serve: --port expects a whole number, got 'x'\nRun 'snapservice serve --help' for the options.\n");
  });
});
