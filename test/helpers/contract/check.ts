/**
 * One observed response against the contract: the status must be one the matched operation
 * declares and the body must fit the schema declared for that status (Ajv; 204 and other
 * content-less responses must carry no body), unless an allow-list entry (deviations.ts)
 * admits it.
 */
import type { ErrorObject } from 'ajv';
import type { Contract } from './contract.ts';
import { deviationFor, DEVIATIONS, exemption } from './deviations.ts';
import { trimSlash } from './match.ts';
import { unionViolations } from './unions.ts';
import { componentName, type CheckResult, type Json, type ObservedResponse } from './model.ts';

interface ParsedBody {
  empty: boolean;
  json?: unknown;
  error?: string;
}

function parseBody(text: string): ParsedBody {
  if (text === '') return { empty: true };
  try {
    return { empty: false, json: JSON.parse(text) };
  } catch {
    return { empty: false, error: `body is not JSON: ${text.slice(0, 120)}` };
  }
}

function formatAjvErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'does not match';
  // allOf/anyOf produce echoes of one problem; keep the distinct, most specific few.
  const lines = [...new Set(errors.map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` '${String(e.params.additionalProperty)}'` : ''}${e.keyword === 'enum' ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`))];
  return lines.slice(0, 6).join('; ');
}

function truncate(v: unknown, n = 400): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

/** Checks one response; never throws. */
export function checkObserved(contract: Contract, r: ObservedResponse): CheckResult {
  const u = new URL(r.url, 'http://contract.invalid');
  const pathname = trimSlash(u.pathname);
  const exempt = exemption(r.method.toUpperCase(), pathname);
  if (exempt) return { exempt, violations: [] };
  const where = `${r.method.toUpperCase()} ${u.pathname}${u.search} -> ${r.status}`;
  const body = parseBody(r.body);
  const m = contract.match(r.method, pathname, u.searchParams);
  if (!m.op) return checkUnknown(contract, where, r, body, m.malformed ?? (m.pathKnown ? 'no operation with this method/action/vmw-task at this path' : 'no such path'));

  const op = m.op;
  const name = `${op.operationId} (${op.spec === 'snapservice' ? 'vsan-data-protection' : op.spec === 'tagging' ? 'vcenter-tagging' : 'vcenter-subset'} ${op.method} ${op.key})`;
  const fail = (problem: string): CheckResult => ({ op, violations: [`${where}: ${name}: ${problem}; body: ${truncate(r.body || '(empty)')}`] });
  const code = String(r.status);
  const declared = op.responses[code] ?? op.responses[`${code[0]}XX`] ?? op.responses.default;
  if (body.error) return fail(body.error);

  if (declared) {
    if (!declared.schema) {
      return body.empty ? { op, violations: [] } : fail(`status ${code} declares no content, but the response has a body`);
    }
    if (body.empty) return fail(`status ${code} declares an application/json body, but the response is empty`);
    if (!isJsonType(r.contentType)) return fail(`content type is ${r.contentType ?? '(none)'}, not application/json`);
    const fn = contract.validator(op.spec, declared.schema);
    if (fn(body.json)) {
      const unions = unionViolations(contract.components[op.spec], declared.schema, body.json);
      return unions.length === 0 ? { op, violations: [] } : fail(unions.slice(0, 3).join('; '));
    }
    const deviation = deviationFor(contract, op, r.status, body.json, u.searchParams, r.method.toUpperCase() === 'GET' && r.requestBody === true);
    if (deviation) return { op, deviation, violations: [] };
    return fail(`body does not match the schema declared for ${code} (${describeSchema(declared.schema)}): ${formatAjvErrors(fn.errors)}`);
  }
  if (r.status === 204 && !body.empty) return fail('204 with a body');
  const deviation = !body.empty && isJsonType(r.contentType) ? deviationFor(contract, op, r.status, body.json, u.searchParams, r.method.toUpperCase() === 'GET' && r.requestBody === true) : undefined;
  if (deviation) return { op, deviation, violations: [] };
  return fail(`status ${code} is not declared (declared: ${Object.keys(op.responses).sort().join(', ')})`);
}

function checkUnknown(contract: Contract, where: string, r: ObservedResponse, body: ParsedBody, why: string): CheckResult {
  const comp = DEVIATIONS.unknownOperation.answers[r.status];
  const problem = (p: string) => ({ violations: [`${where}: matches no operation in the documents (${why}); ${p}; body: ${truncate(r.body || '(empty)')}`] });
  if (!comp) return problem(`expected 404 OPERATION_NOT_FOUND (or 400 INVALID_REQUEST), got ${r.status}`);
  if (body.empty || body.error) return problem('expected a vAPI error body');
  const fn = contract.componentValidator('snapservice', comp);
  if (!fn(body.json)) return problem(`body is not ${comp}: ${formatAjvErrors(fn.errors)}`);
  return { deviation: 'unknownOperation', violations: [] };
}

function describeSchema(schema: Json): string {
  return typeof schema.$ref === 'string' ? (componentName(schema.$ref) ?? schema.$ref) : truncate(schema, 80);
}

function isJsonType(ct: string | undefined): boolean {
  return typeof ct === 'string' && /^application\/json\b/i.test(ct);
}
