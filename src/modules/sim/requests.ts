import { Type } from '@sinclair/typebox';
import { parseTime } from '../../domain/time.ts';
import { errors } from '../../errors.ts';
import type { JournalEntry, JournalFilter } from '../../journal/journal.ts';
import { defineOperation, type Call, type Operation } from '../../vapi/operation.ts';
import { compact, DateTime, formatTime, Id, Input, ListOf, StringEnum, Struct } from '../../vapi/wire.ts';

/** The request journal (only with --sim, admin only): what clients called, for tests to assert on. */
const SERVICE = 'com.vmware.snapservice.sim.requests';
const NS = SERVICE;

const PathId = Struct(`${NS}.path_id`, { name: Type.String(), id: Type.String() });

const RequestInfo = Struct(`${NS}.info`, {
  seq: Type.Integer(),
  time: DateTime(),
  protocol: StringEnum(`${NS}.protocol`, ['REST', 'JSON-RPC', 'STS'] as const),
  method: Type.String(),
  path: Type.String(),
  user: Type.Optional(Type.String()),
  operation: Type.Optional(Type.String()),
  ids: ListOf(PathId),
  input: Type.Optional(Type.String()),
  status: Type.Integer(),
  error: Type.Optional(Type.String()),
  task: Type.Optional(Id()),
  duration_ms: Type.Integer(),
});

const RequestFilter = Struct(`${NS}.filter_spec`, {
  operation: Type.Optional(Type.String({ minLength: 1 })),
  user: Type.Optional(Type.String({ minLength: 1 })),
  object: Type.Optional(Type.String({ minLength: 1 })),
  since: Type.Optional(DateTime()),
  status: Type.Optional(Type.String({ minLength: 1 })),
});

async function admin(call: Call): Promise<void> {
  await call.authz.require({ type: 'Folder', id: call.deps.rootFolderId }, ['Snapservice.Simulation']);
}

function toWire(e: JournalEntry) {
  return compact({
    seq: e.seq, time: formatTime(e.time), protocol: e.protocol, method: e.method, path: e.path, user: e.user,
    operation: e.operation, ids: Object.entries(e.ids).map(([name, id]) => ({ name, id })), input: e.input,
    status: e.status ?? 0, error: e.error, task: e.task, duration_ms: e.durationMs ?? 0,
  });
}

function toFilter(f: { operation?: string; user?: string; object?: string; since?: string; status?: string } = {}): JournalFilter {
  let since: number | undefined;
  // The schema's date-time format is checked already; this also bounds the value to a real instant.
  if (f.since !== undefined) {
    since = parseTime(f.since);
    if (since === undefined) throw errors.invalidArgument('filter.since', 'must be an RFC 3339 date-time');
  }
  return compact({ operation: f.operation, user: f.user, object: f.object, since, status: f.status });
}

export const simRequestOperations: Operation[] = [
  defineOperation({
    service: SERVICE, name: 'list', since: 'sim', control: true, readOnly: true,
    rest: { method: 'GET', path: '/api/sim/requests', query: ['filter'] },
    input: Input({ filter: Type.Optional(RequestFilter) }),
    output: ListOf(RequestInfo),
    authorize: (call) => admin(call),
    handler: async (call, input) => call.deps.journal.list(toFilter(input.filter)).map(toWire),
  }),
  defineOperation({
    service: SERVICE, name: 'clear', since: 'sim', control: true,
    rest: { method: 'DELETE', path: '/api/sim/requests' },
    input: Input({}),
    authorize: (call) => admin(call),
    handler: async (call) => call.deps.journal.clear(),
  }),
];
