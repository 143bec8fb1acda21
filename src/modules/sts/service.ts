import type { Deps } from '../../context.ts';
import { checkPassword, canonicalUser } from '../../access/authn.ts';
import { ROLE_ADMIN } from '../../domain/privileges.ts';
import { issuerFor, MAX_DELEGATIONS, MAX_RENEWALS, signedAssertion, splitUser } from '../../sts/assertion.ts';
import { StsFault } from '../../sts/faults.ts';
import type { StsRequest } from '../../sts/request.ts';
import { checkValidity, TokenError, verifyAssertion, type VerifiedToken } from '../../sts/token.ts';
import { esc, NS, xmlTime } from '../../sts/xml.ts';
import { VapiError } from '../../errors.ts';

const TRUST = `${NS.wst}/`;
const SAML2_TOKEN = 'urn:oasis:names:tc:SAML:2.0:assertion';

/**
 * WS-Trust Issue, Renew and Validate for bearer SAML tokens. Passwords are checked by the same
 * `checkPassword` as every other login, so whatever protects logins protects the STS too.
 */
export async function answer(deps: Deps, req: StsRequest, origin: string, address: string): Promise<string> {
  if (req.type === 'Validate') return validate(deps, req);
  if (req.holderOfKey) {
    throw new StsFault('wsse:UnsupportedSecurityToken', `Holder-of-key tokens are not issued by this STS (the request has ${req.holderOfKey}): request a bearer token with a UsernameToken.`);
  }
  checkTimestamp(deps, req);
  return req.type === 'Issue' ? issue(deps, req, origin, address) : renew(deps, req, origin);
}

async function issue(deps: Deps, req: StsRequest, origin: string, address: string): Promise<string> {
  if (!req.username) throw new StsFault('wsse:InvalidSecurity', 'The Security header has no UsernameToken: this STS authenticates users by name and password.');
  let user: string;
  try {
    user = await checkPassword(deps, req.username.user, req.username.password, address);
  } catch (err) {
    if (!(err instanceof VapiError)) throw err;
    // Whatever else guards logins (a lockout, a busy store) is a failed request, saying why.
    throw err.kind === 'UNAUTHENTICATED' ? new StsFault('wst:FailedAuthentication', 'Invalid credentials.') : new StsFault('wst:RequestFailed', err.message);
  }
  const { start, end } = lifetime(deps, req.lifetime.created, req.lifetime.expires);
  const token = await sign(deps, user, origin, start, end, req.delegatable ? MAX_DELEGATIONS : 0, req.renewable ? MAX_RENEWALS : 0, false);
  return `<wst:RequestSecurityTokenResponseCollection xmlns:wst="${NS.wst}">${response(token, start, end, req.renewable, req.delegatable)}</wst:RequestSecurityTokenResponseCollection>`;
}

async function renew(deps: Deps, req: StsRequest, origin: string): Promise<string> {
  if (!req.target) throw new StsFault('wst:InvalidRequest', 'A Renew request needs the token in wst:RenewTarget.');
  const old = await checkedTarget(deps, req.target, (why) => new StsFault('wst:UnableToRenew', why));
  if (old.renewals === 0) throw new StsFault('wst:UnableToRenew', 'The token is not renewable.');
  const user = canonicalUser(old.subject);
  if (!(await deps.store.repos.users.get(user))) throw new StsFault('wst:FailedAuthentication', `The token's subject ${old.subject} is not a known user.`);
  const now = deps.wall.now();
  const { start, end } = lifetime(deps, req.lifetime.created ?? now, req.lifetime.expires ?? now + (old.notOnOrAfter - old.notBefore));
  const token = await sign(deps, user, origin, start, end, old.delegations, old.renewals - 1, true);
  return response(token, start, end, old.renewals > 1, old.delegations > 0);
}

/** Validate answers whether a token is good; a bad one is a status, not a fault. */
async function validate(deps: Deps, req: StsRequest): Promise<string> {
  if (!req.target) throw new StsFault('wst:InvalidRequest', 'A Validate request needs the token in wst:ValidateTarget.');
  let reason: string | undefined;
  try {
    const token = await checkedTarget(deps, req.target, (why) => new TokenError(why));
    if (!(await deps.store.repos.users.get(canonicalUser(token.subject)))) reason = `The token's subject ${token.subject} is not a known user.`;
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    reason = err.message;
  }
  const code = `${TRUST}status/${reason === undefined ? 'valid' : 'invalid'}`;
  return (
    `<wst:RequestSecurityTokenResponse xmlns:wst="${NS.wst}"><wst:TokenType>${TRUST}RSTR/Status</wst:TokenType>` +
    `<wst:Status><wst:Code>${code}</wst:Code>${reason === undefined ? '' : `<wst:Reason>${esc(reason)}</wst:Reason>`}</wst:Status></wst:RequestSecurityTokenResponse>`
  );
}

async function checkedTarget(deps: Deps, xml: string, fail: (why: string) => Error): Promise<VerifiedToken> {
  try {
    const token = verifyAssertion(xml, await deps.sts.material());
    checkValidity(token, deps.wall.now(), deps.config.stsClockToleranceMs);
    return token;
  } catch (err) {
    if (err instanceof TokenError) throw fail(err.message);
    throw err;
  }
}

/** The request's own Timestamp, in real time with the configured tolerance. */
function checkTimestamp(deps: Deps, req: StsRequest): void {
  const now = deps.wall.now();
  const tolerance = deps.config.stsClockToleranceMs;
  const { created, expires } = req.timestamp ?? {};
  if (expires !== undefined && now - tolerance >= expires) throw new StsFault('wsse:MessageExpired', `The request expired at ${xmlTime(expires)}.`);
  if (created !== undefined && created > now + tolerance) throw new StsFault('wsse:InvalidSecurity', `The request was created in the future (${xmlTime(created)}).`);
}

/**
 * The token's validity: from the requested start (never before now, less the tolerance) to the
 * requested end, capped at the configured maximum lifetime, as vCenter's token policy does.
 */
function lifetime(deps: Deps, created: number | undefined, expires: number | undefined): { start: number; end: number } {
  const now = deps.wall.now();
  const max = deps.config.stsMaxTokenLifetimeMs;
  const start = created === undefined || created < now - deps.config.stsClockToleranceMs ? now : created;
  if (start > now + max) throw new StsFault('wst:InvalidTimeRange', `The token cannot start later than ${max / 1000} s from now.`);
  const end = Math.min(expires ?? start + max, start + max);
  if (end <= start || end <= now) throw new StsFault('wst:InvalidTimeRange', 'The requested lifetime ends before it starts, or in the past.');
  return { start, end };
}

async function sign(deps: Deps, user: string, origin: string, start: number, end: number, delegations: number, renewals: number, renewed: boolean): Promise<string> {
  const [, domain] = splitUser(user);
  // There are no SSO groups here; a user who administers the whole inventory is shown as a
  // member of Administrators, as vCenter's administrator is.
  const root = await deps.store.repos.permissions.forPrincipal(user, [deps.rootFolderId]);
  const admin = root.some((p) => p.roleId === ROLE_ADMIN.id);
  const groups = [`${domain}\\Users`, `${domain}\\Everyone`, ...(admin ? [`${domain}\\Administrators`] : [])];
  return signedAssertion(
    { user, groups, issuer: issuerFor(origin), issuedAt: deps.wall.now(), notBefore: start, notOnOrAfter: end, delegations, renewals, renewed },
    await deps.sts.material(),
  );
}

function response(token: string, start: number, end: number, renewable: boolean, delegatable: boolean): string {
  return (
    `<wst:RequestSecurityTokenResponse xmlns:wst="${NS.wst}"><wst:TokenType>${SAML2_TOKEN}</wst:TokenType>` +
    `<wst:Lifetime><wsu:Created xmlns:wsu="${NS.wsu}">${xmlTime(start)}</wsu:Created><wsu:Expires xmlns:wsu="${NS.wsu}">${xmlTime(end)}</wsu:Expires></wst:Lifetime>` +
    `<wst:RequestedSecurityToken>${token}</wst:RequestedSecurityToken>` +
    `<wst:Renewing Allow="${renewable}" OK="false"/><wst:Delegatable>${delegatable}</wst:Delegatable>` +
    `<wst:KeyType>${TRUST}Bearer</wst:KeyType></wst:RequestSecurityTokenResponse>`
  );
}
