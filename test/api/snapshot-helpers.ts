import { expect } from 'vitest';

/** A vAPI error of this status and kind, its first message containing `text`. */
export function expectError(res: { statusCode: number; json(): any }, status: number, kind: string, text?: string) {
  expect(res.statusCode, res.statusCode === status ? undefined : JSON.stringify(res.json())).toBe(status);
  const body = res.json();
  expect(body.error_type).toBe(kind);
  if (text) expect(body.messages[0].default_message).toContain(text);
}
