import { createHash } from 'node:crypto';
import type { Deps } from '../context.ts';
import { BASIC_CHALLENGE, errors, VapiError } from '../errors.ts';
import { SSO_DOMAIN } from '../sts/assertion.ts';
import type { StsMaterial } from '../sts/keys.ts';
import { checkValidity, TokenError, verifyAssertion, type VerifiedToken } from '../sts/token.ts';

/** Where the STS answers; `/{domain}` may follow. */
export const STS_PATH = '/sts/STSService';

/**
 * Verifying a signature means canonicalising the whole assertion; a client that sends the same
 * token on every call (the vAPI runtime's bearer filter does) pays for that once. Only the
 * signature check is remembered: the validity period and the user are checked on every call.
 */
const verified = new WeakMap<StsMaterial, Map<string, VerifiedToken>>();
const CACHE_SIZE = 1000;

/**
 * The subject of a SAML bearer token, checked as an appliance checks it: signed by this
 * server's STS, unaltered, within its validity period (with the configured clock tolerance, in
 * real time). Creating a session from a token needs a delegatable one. The caller checks that
 * the subject is a user.
 */
export async function verifySamlToken(deps: Deps, xml: string, forSession: boolean): Promise<string> {
  const signer = await deps.sts.material();
  try {
    const token = verifiedToken(xml, signer);
    checkValidity(token, deps.wall.now(), deps.config.stsClockToleranceMs);
    if (forSession && token.delegations === 0) {
      throw new TokenError('Creating a session needs a delegatable SAML token: request it with Delegatable true.');
    }
    return token.subject;
  } catch (err) {
    if (err instanceof TokenError) throw errors.unauthenticated(err.message);
    throw err;
  }
}

function verifiedToken(xml: string, signer: StsMaterial): VerifiedToken {
  let cache = verified.get(signer);
  if (!cache) verified.set(signer, (cache = new Map()));
  const key = createHash('sha256').update(xml).digest('base64');
  const hit = cache.get(key);
  if (hit) return hit;
  const token = verifyAssertion(xml, signer);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(key, token);
  return token;
}

/** The scheme and origin a request reached us on, for URLs we hand back to the client. */
export function originOf(req: { protocol: string; headers: Record<string, string | string[] | undefined> }): string {
  const host = req.headers.host;
  return `${req.protocol}://${(Array.isArray(host) ? host[0] : host) ?? 'localhost'}`;
}

/**
 * UNAUTHENTICATED carries the schemes a client may use, as vCenter's endpoints do: SIGN, with
 * the STS that issues the tokens, then Basic (our extension, always available).
 */
export async function withSignChallenge(deps: Deps, err: unknown, origin: string): Promise<unknown> {
  if (!(err instanceof VapiError) || err.kind !== 'UNAUTHENTICATED') return err;
  // Without a signer (an unwritable data dir) there are no tokens to point to: Basic only.
  const realm = await deps.sts.material().then((m) => m.realm, () => undefined);
  if (realm === undefined) return err;
  const challenge = `SIGN realm="${realm}",sts="${origin}${STS_PATH}/${SSO_DOMAIN}", ${BASIC_CHALLENGE}`;
  return new VapiError(err.kind, err.messages, { data: err.data, challenge });
}
