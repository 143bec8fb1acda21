import { newToken } from '../../domain/ids.ts';
import type { Session } from '../../domain/model.ts';
import { sha256 } from '../../security/passwords.ts';
import type { Call } from '../../vapi/operation.ts';
import { errors } from '../../errors.ts';

/** Creates a session for the caller; only the token's hash is stored. */
export async function createSession(call: Call): Promise<string> {
  const token = newToken();
  const now = call.deps.wall.now();
  await call.deps.store.repos.sessions.insert({ tokenHash: sha256(token), user: call.user, createdAt: now, lastAccessedAt: now });
  return token;
}

export async function getSession(call: Call): Promise<Session> {
  const s = call.sessionHash && (await call.deps.store.repos.sessions.get(call.sessionHash));
  if (!s) throw errors.unauthenticated('The session is not authenticated.');
  return s;
}

export async function deleteSession(call: Call): Promise<void> {
  if (call.sessionHash) await call.deps.store.repos.sessions.delete(call.sessionHash);
}
