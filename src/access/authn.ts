import type { Deps } from '../context.ts';
import { errors } from '../errors.ts';
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

export async function checkPassword(deps: Deps, userName: string, password: string): Promise<string> {
  const user = canonicalUser(userName);
  const record = await deps.store.repos.users.get(user);
  const invalid = () => errors.unauthenticated('The user name and password combination is not valid.');
  if (!record) {
    // Unknown users cost a hash too, so that timing does not tell which names exist.
    await hashPassword(password, deps.config.scryptCost);
    throw invalid();
  }
  if (deps.verified.has(user, password, record.passwordHash)) return user;
  if (!(await verifyPassword(password, record.passwordHash))) throw invalid();
  deps.verified.add(user, password, record.passwordHash);
  return user;
}

/** Resolves a session token, enforcing idle timeout and absolute lifetime (in real time). */
export async function checkSession(deps: Deps, token: string): Promise<Principal> {
  const hash = sha256(token);
  const { repos } = deps.store;
  const s = await repos.sessions.get(hash);
  const now = deps.wall.now();
  if (!s) throw errors.unauthenticated('The session is not authenticated.');
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
export async function authenticate(deps: Deps, creds: Credentials, mode: AuthMode = 'any'): Promise<Principal> {
  if (mode !== 'password' && creds.sessionToken !== undefined) return checkSession(deps, creds.sessionToken);
  if (mode !== 'session' && creds.basic) return { user: await checkPassword(deps, creds.basic.user, creds.basic.password) };
  if (mode !== 'session' && creds.samlToken !== undefined) return { user: await checkSamlToken(deps, creds.samlToken, mode === 'password') };
  throw errors.unauthenticated(mode === 'session' ? 'A session token is required.' : 'Authentication required.');
}
