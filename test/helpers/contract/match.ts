/**
 * A request -> the spec operation it addresses: method, path template (the most literal
 * template wins), `action`, `vmw-task`, and any other fixed query value in the spec's path key.
 */
import type { SpecOperation } from './model.ts';

/** The spec operation a concrete request addresses; `pathKnown` when some operation has that path. */
export function matchOperation(
  operations: readonly SpecOperation[],
  method: string,
  pathname: string,
  query: URLSearchParams,
): { op?: SpecOperation; pathKnown: boolean; malformed?: string } {
  const segs = trimSlash(pathname).split('/');
  let best = -1;
  let candidates: SpecOperation[] = [];
  for (const op of operations) {
    const score = templateScore(op.path, segs);
    if (score < 0 || score < best) continue;
    if (score > best) {
      best = score;
      candidates = [];
    }
    candidates.push(op);
  }
  if (candidates.length === 0) return { pathKnown: false };
  const actions = query.getAll('action');
  const tasks = query.getAll('vmw-task');
  if (actions.length > 1) return { pathKnown: true, malformed: 'action given more than once' };
  if (tasks.length > 1 || (tasks.length === 1 && tasks[0].toLowerCase() !== 'true')) return { pathKnown: true, malformed: 'vmw-task is not true' };
  const action = actions[0];
  const task = tasks.length === 1;
  const op = candidates.find(
    (o) => o.method === method.toUpperCase() && o.action === action && o.task === task && Object.entries(o.select).every(([k, v]) => query.get(k) === v),
  );
  return { op, pathKnown: true };
}

export function trimSlash(p: string): string {
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** -1 if the template does not match; else the number of literal segments (more literal wins). */
function templateScore(template: string, segs: string[]): number {
  const t = template.split('/');
  if (t.length !== segs.length) return -1;
  let score = 0;
  for (let i = 0; i < t.length; i++) {
    if (/^\{\w+\}$/.test(t[i])) {
      if (segs[i] === '') return -1;
    } else if (t[i] === segs[i]) score++;
    else return -1;
  }
  return score;
}
