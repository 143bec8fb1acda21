import { deepFreeze } from '../domain/frozen.ts';

/**
 * Answers that cannot change once made, and their JSON text, kept by identity. A handler that
 * hands out the same answer object for an unchanged stored object (a task GET of a cached task
 * row: modules/tasks) marks it stable; REST then serializes it once instead of on every call.
 * `null` marks a stable answer whose text is not made yet. A stable answer is deep-frozen, so
 * the text made from it stays true; nothing else is remembered.
 */
const texts = new WeakMap<object, string | null>();

export function stableAnswer<T extends object>(answer: T): T {
  texts.set(deepFreeze(answer), null);
  return answer;
}

/** JSON.stringify, made once per stable answer. */
export function answerJson(answer: unknown): string {
  if (typeof answer !== 'object' || answer === null) return JSON.stringify(answer);
  const known = texts.get(answer);
  if (known) return known;
  const text = JSON.stringify(answer);
  if (known === null) texts.set(answer, text);
  return text;
}
