/**
 * The vendor's discriminated unions: a property documented as "only relevant when the value of
 * status is one of *...RUNNING*, ..." is, in VMware's bindings, a union case. Their validator
 * refuses the whole reply when such a property is present for another value ("has a union with
 * a field not required for this case"), which JSON Schema cannot say. Derived from the
 * documents' own sentences, so every union the spec describes is checked.
 */
import { COMPONENTS, isObj, type Json } from './model.ts';

interface Rule {
  discriminant: string;
  values: string[];
}

const RELEVANT = /only relevant when the value of (\w+) is (?:one of )?((?:\*[\w.]+\*(?:,? or |, )?)+)/;

function ruleOf(description: unknown): Rule | undefined {
  if (typeof description !== 'string') return undefined;
  const m = RELEVANT.exec(description.replace(/\s+/g, ' '));
  if (!m) return undefined;
  const values = [...m[2].matchAll(/\*[\w.]+\.(\w+)\*/g)].map((v) => v[1]);
  return { discriminant: m[1], values };
}

function resolve(components: Json, schema: Json): Json | undefined {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  if (!ref.startsWith(COMPONENTS)) return undefined;
  const target = components[ref.slice(COMPONENTS.length)];
  return isObj(target) ? target : undefined;
}

/** Properties present outside their union case, as `path: why` lines. */
export function unionViolations(components: Json, schema: Json, value: unknown, path = '(body)', depth = 0): string[] {
  if (depth > 40 || value === null || typeof value !== 'object') return [];
  const s = resolve(components, schema);
  if (!s) return [];
  const out: string[] = [];
  for (const part of Array.isArray(s.allOf) ? s.allOf : []) if (isObj(part)) out.push(...unionViolations(components, part, value, path, depth + 1));
  if (Array.isArray(value)) {
    if (isObj(s.items)) value.forEach((v, i) => out.push(...unionViolations(components, s.items as Json, v, `${path}[${i}]`, depth + 1)));
    return out;
  }
  const obj = value as Record<string, unknown>;
  const props = isObj(s.properties) ? s.properties : {};
  for (const [key, prop] of Object.entries(props)) {
    if (!(key in obj) || !isObj(prop)) continue;
    const rule = ruleOf(prop.description);
    const at = obj[rule?.discriminant ?? ''];
    if (rule && typeof at === 'string' && !rule.values.includes(at)) {
      out.push(`${path}.${key} is present while ${rule.discriminant} is ${at} (the bindings allow it only for ${rule.values.join(', ')})`);
    }
    out.push(...unionViolations(components, prop, obj[key], `${path}.${key}`, depth + 1));
  }
  if (isObj(s.additionalProperties)) {
    for (const [k, v] of Object.entries(obj)) if (!(k in props)) out.push(...unionViolations(components, s.additionalProperties, v, `${path}.${k}`, depth + 1));
  }
  return out;
}
