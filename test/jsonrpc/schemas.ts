import type { TSchema } from '@sinclair/typebox';
import type { Operation } from '../../src/vapi/operation.ts';

/** Every vAPI structure and enumeration reachable from the operations' inputs and outputs, by canonical name. */
export function reachableSchemas(operations: readonly Operation[]): { structs: Map<string, TSchema>; enums: Set<string> } {
  const structs = new Map<string, TSchema>();
  const enums = new Set<string>();
  const walk = (s: TSchema | undefined) => {
    if (!s || typeof s !== 'object') return;
    if (s.type === 'object' && typeof s.vapi === 'string' && s.vapi !== 'operation-input') structs.set(s.vapi, s);
    if (s.type === 'string' && typeof s.vapi === 'string') enums.add(s.vapi);
    for (const p of Object.values((s.properties ?? {}) as Record<string, TSchema>)) walk(p);
    for (const p of Object.values((s.patternProperties ?? {}) as Record<string, TSchema>)) walk(p);
    walk(s.items as TSchema | undefined);
  };
  for (const op of operations) {
    walk(op.input);
    walk(op.output);
  }
  return { structs, enums };
}
