import { DEFAULT_ADMIN_PASSWORD } from '../config/config.ts';

/** Shortest administrator password accepted for a listener other machines can reach. */
export const MIN_EXPOSED_PASSWORD = 8;

/** What is wrong with this administrator password for a listener beyond loopback, if anything. */
export function weakness(password: string): string | undefined {
  if (password === DEFAULT_ADMIN_PASSWORD) return 'the default password';
  if (password.trim() === '') return 'a blank password';
  if (password.length < MIN_EXPOSED_PASSWORD) return `a password shorter than ${MIN_EXPOSED_PASSWORD} characters`;
  return undefined;
}
