import type { Deps } from '../context.ts';
import { formatTime } from '../vapi/wire.ts';
import { BASIC_CHALLENGE, errors, msg, VapiError } from '../errors.ts';
import { hashPassword, sha256, verifyPassword } from '../security/passwords.ts';
import { verifySamlToken } from './saml.ts';

/** Credentials as any protocol carries them: HTTP Basic / user_pass, a session token, or a SAML
 * bearer token (the assertion's XML; `Authorization: SIGN` / saml_bearer_token). */
export interface Credentials {
  basic?: { user: string; password: string };
  sessionToken?: string;
  samlToken?: string;
}

export interface Principal {
  user: string;
  /** Set when authenticated by session (sha256 of the token, never the token). */
  sessionHash?: string;
}

/**
 * vSphere accepts `user@domain`, `DOMAIN\user` and any case in the domain part; all map to
 * one canonical `user@domain.lower`.
 */
export function canonicalUser(name: string): string {
  const trimmed = name.trim();
  const backslash = trimmed.indexOf('\\');
  if (backslash > 0) return `${trimmed.slice(backslash + 1)}@${trimmed.slice(0, backslash).toLowerCase()}`;
  const at = trimmed.lastIndexOf('@');
  if (at > 0) return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
  return trimmed;
}

/**
 * Checks a password, within the failure budgets of `deps.logins`: a locked user (at this
 * address) or address is refused before any lookup or hashing, and a wrong password already
 * tried is refused again from memory. Unknown users cost a hash like known ones, so that
 * timing does not tell which names exist.
 */
export async function checkPassword(deps: Deps, userName: string, password: string, address: string): Promise<string> {
  const user = canonicalUser(userName);
  const { logins } = deps;
  const lockedUntil = logins.lockedUntil(user, address);
  if (lockedUntil !== undefined) throw locked(user, address, lockedUntil);
  // No user name holds NUL, and PostgreSQL cannot even look one up.
  const record = user.includes('\u0000') ? undefined : await deps.store.repos.users.get(user);
  const stored = record?.passwordHash ?? '';
  const invalid = () => errors.unauthenticated('The user name and password combination is not valid.');
  if (record && deps.verified.has(user, password, stored)) return user;
  if (logins.knownWrong(user, password, stored)) throw invalid();
  // Checked again: other attempts may have spent the budget while this one read the store.
  const settle = logins.attempt(user, address, password, stored);
  if (typeof settle !== 'function') throw locked(user, address, settle.lockedUntil);
  const ok = record ? await verifyPassword(password, stored) : await hashPassword(password, deps.config.scryptCost).then(() => false);
  settle(ok);
  if (!ok) throw invalid();
  deps.verified.add(user, password, stored);
  return user;
}

function locked(user: string, address: string, until: number): VapiError {
  const at = formatTime(until);
  return new VapiError('UNAUTHENTICATED', [msg('session.locked', `Too many failed logins for ${user} from ${address}: password logins are refused until ${at}.`, user, address, at)], { challenge: BASIC_CHALLENGE });
}

/**
 * Hashes of tokens that named a session, so that a client's every call does not hash its token
 * again (a sha256 and its hex string were a quarter of checkSession). In memory only, as the
 * tokens themselves are while a request holds them; the session is still read on every call,
 * so a logout or expiry applies at once. Only tokens that found a session are kept (random
 * tokens cannot evict the clients' ones), and at most SESSION_HASHES, oldest out first.
 */
const sessionHashes = new Map<string, string>();
const SESSION_HASHES = 10_000;

function rememberSessionHash(token: string, hash: string): void {
  if (sessionHashes.size >= SESSION_HASHES) sessionHashes.delete(sessionHashes.keys().next().value as string);
  sessionHashes.set(token, hash);
}

/** Resolves a session token, enforcing idle timeout and absolute lifetime (in real time). */
export async function checkSession(deps: Deps, token: string): Promise<Principal> {
  const known = sessionHashes.get(token);
  const hash = known ?? sha256(token);
  const { repos } = deps.store;
  const s = await repos.sessions.get(hash);
  const now = deps.wall.now();
  if (!s) throw errors.unauthenticated('The session is not authenticated.');
  if (known === undefined) rememberSessionHash(token, hash);
  if (now - s.lastAccessedAt > deps.config.sessionIdleMs || now - s.createdAt > deps.config.sessionMaxMs) {
    await repos.sessions.delete(hash);
    throw errors.unauthenticated('The session has expired.');
  }
  // Writing the access time on every call would make each read a write; a coarse update is
  // enough for an idle timeout measured in minutes.
  if (now - s.lastAccessedAt > Math.min(5000, deps.config.sessionIdleMs / 10)) await repos.sessions.touch(hash, now);
  return { user: s.user, sessionHash: hash };
}

export type AuthMode = 'any' | 'password' | 'session';

/** A SAML token's subject must be a user here; then the caller is that user. */
async function checkSamlToken(deps: Deps, xml: string, forSession: boolean): Promise<string> {
  const subject = await verifySamlToken(deps, xml, forSession);
  const user = canonicalUser(subject);
  if (!(await deps.store.repos.users.get(user))) throw errors.unauthenticated(`The SAML token's subject ${subject} is not a known user.`);
  return user;
}

/**
 * `any`: a session token, Basic credentials or a SAML token (every API operation); `password`:
 * Basic or a delegatable SAML token (creating a session); `session`: a session token only
 * (reading or ending a session).
 */
export function authenticate(deps: Deps, creds: Credentials, mode: AuthMode, address: string): Promise<Principal> {
  // Not itself async: an async function returning checkSession's promise would resolve its own
  // with it, two more microtask turns on every session call.
  if (mode !== 'password' && creds.sessionToken !== undefined) return checkSession(deps, creds.sessionToken);
  return authenticateOtherwise(deps, creds, mode, address);
}

async function authenticateOtherwise(deps: Deps, creds: Credentials, mode: AuthMode, address: string): Promise<Principal> {
  if (mode !== 'session' && creds.basic) return { user: await checkPassword(deps, creds.basic.user, creds.basic.password, address) };
  if (mode !== 'session' && creds.samlToken !== undefined) return { user: await checkSamlToken(deps, creds.samlToken, mode === 'password') };
  throw errors.unauthenticated(mode === 'session' ? 'A session token is required.' : 'Authentication required.');
}
