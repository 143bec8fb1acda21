/** Longest input summary kept: enough to see what was asked, never a whole disk block. */
export const MAX_SUMMARY = 1000;
export const REDACTED = '[redacted]';

/** Member names whose values are secrets whatever their type. */
const SECRET_NAME = /pass(word|phrase)?|secret|token|assertion|saml|authori[sz]ation|session|credential|private_?key|cookie/i;
/** Values that are secrets whatever their name: SAML assertions, WS-Security headers, SIGN/Basic credentials. */
const SECRET_VALUE = /<(\w+:)?(Assertion|Security|UsernameToken)\b|urn:oasis:names:tc:SAML|^\s*(basic|sign|bearer)\s/i;

/** The input as compact JSON with secret members replaced, cut to `MAX_SUMMARY` characters. */
export function summarize(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  const text = JSON.stringify(input, (key, value: unknown) => {
    if (key !== '' && SECRET_NAME.test(key)) return REDACTED;
    if (typeof value === 'string' && SECRET_VALUE.test(value)) return REDACTED;
    return value;
  });
  if (text === undefined) return undefined;
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}
