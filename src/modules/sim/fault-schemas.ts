import { Type, type Static } from '@sinclair/typebox';
import { ERROR_STATUS, type ErrorKind } from '../../errors.ts';
import type { FaultEffect, FaultRule, FaultRuleSpec } from '../../faults/rules.ts';
import { compact as compactObject, Id, ListOf, StringEnum, Struct } from '../../vapi/wire.ts';

/** Wire schemas of the fault rules (`/api/sim/faults`, `--faults FILE`, seed `faults`). */
const NS = 'com.vmware.snapservice.sim.faults';

const ErrorKindEnum = StringEnum(`${NS}.error_kind`, Object.keys(ERROR_STATUS) as ErrorKind[]);
const EffectType = StringEnum(`${NS}.effect_type`, ['ERROR', 'LATENCY', 'TASK_FAILURE'] as const);
const Method = StringEnum(`${NS}.method`, ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const);

/** Longest injected delay: ten minutes, past any client's patience. */
export const MAX_DELAY_MS = 600_000;

export const FaultMatchSchema = Struct(`${NS}.match`, {
  service: Type.Optional(Type.String({ minLength: 1 })),
  operation: Type.Optional(Type.String({ minLength: 1 })),
  method: Type.Optional(Method),
  path: Type.Optional(Type.String({ minLength: 1 })),
  scheduled: Type.Optional(Type.Boolean()),
  user: Type.Optional(Type.String({ minLength: 1 })),
  object: Type.Optional(Type.String({ minLength: 1 })),
});

export const FaultEffectSchema = Struct(`${NS}.effect`, {
  type: EffectType,
  error_kind: Type.Optional(ErrorKindEnum),
  message: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS })),
  jitter_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_DELAY_MS })),
  at_progress: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  at_step: Type.Optional(Type.Integer({ minimum: 0 })),
  vms: Type.Optional(ListOf(Type.String({ minLength: 1 }))),
});

const common = {
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  match: FaultMatchSchema,
  effect: FaultEffectSchema,
};

export const FaultCreateSpec = Struct(`${NS}.create_spec`, {
  ...common,
  probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
  count: Type.Optional(Type.Integer({ minimum: 1 })),
  after: Type.Optional(Type.Integer({ minimum: 0 })),
  enabled: Type.Optional(Type.Boolean()),
});

export type FaultCreateWire = Static<typeof FaultCreateSpec>;

export const FaultInfo = Struct(`${NS}.info`, {
  rule: Id(),
  ...common,
  probability: Type.Number(),
  seed: Type.Integer(),
  count: Type.Optional(Type.Integer()),
  after: Type.Integer(),
  enabled: Type.Boolean(),
  matches: Type.Integer(),
  hits: Type.Integer(),
});

/** The wire spec as the injector keeps it; `checkSpec` (fault-rules.ts) has refused contradictions. */
export function specFromWire(w: FaultCreateWire): FaultRuleSpec {
  const e = w.effect;
  const kind = e.error_kind ?? 'ERROR';
  let effect: FaultEffect;
  if (e.type === 'LATENCY') effect = { type: 'LATENCY', delayMs: e.delay_ms ?? 0, jitterMs: e.jitter_ms ?? 0 };
  else if (e.type === 'ERROR') effect = compactObject({ type: 'ERROR' as const, kind, message: e.message });
  else effect = compactObject({ type: 'TASK_FAILURE' as const, kind, message: e.message, atProgress: e.at_progress, atStep: e.at_step, vms: e.vms });
  return compactObject({
    name: w.name,
    match: compactObject({ ...w.match }),
    effect,
    probability: w.probability ?? 1,
    seed: w.seed ?? 1,
    count: w.count,
    after: w.after ?? 0,
    enabled: w.enabled ?? true,
  });
}

export function ruleToWire(r: FaultRule) {
  const e = r.effect;
  const effect = e.type === 'LATENCY'
    ? { type: e.type, delay_ms: e.delayMs, jitter_ms: e.jitterMs }
    : e.type === 'ERROR'
      ? compactObject({ type: e.type, error_kind: e.kind, message: e.message })
      : compactObject({ type: e.type, error_kind: e.kind, message: e.message, at_progress: e.atProgress, at_step: e.atStep, vms: e.vms });
  return compactObject({
    rule: r.id, name: r.name, match: r.match, effect, probability: r.probability, seed: r.seed, count: r.count,
    after: r.after, enabled: r.enabled, matches: r.matches, hits: r.hits,
  });
}
