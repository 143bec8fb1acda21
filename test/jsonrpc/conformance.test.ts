import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256, hashPassword } from '../../src/security/passwords.ts';
import { ids, makeApp, USERS, type TestApp } from '../helpers/app.ts';
import { existsSync } from 'node:fs';
import { CAPTURE_PATH, headerOf, readExchanges, type Exchange } from './capture.ts';
import { opOf } from './client.ts';
import { errorToNative, readReply, sameShape, shape, toNative, type Reply } from './runtime.ts';

// The captures live beside the repository (../shared); a clone elsewhere skips, saying why.
const PRESENT = existsSync(CAPTURE_PATH);
if (!PRESENT) console.warn(`JSON-RPC conformance replay skipped: ${CAPTURE_PATH} not found`);
const EXCHANGES = PRESENT ? readExchanges() : [];
const TOKEN = 'f37c9143bc59429aabb6eb40a6a41227';

// The captures are of the 8.0.3 bindings: the server answers as that release.
const RELEASE = '8.0.3';

let t: TestApp;
beforeEach(async () => {
  t = await makeApp({ taskDelayMs: 2000, taskQueueMs: 500, release: RELEASE });
});
afterEach(() => t.close());

const requestOf = (x: Exchange) => JSON.parse(x.body) as { id: string; params: { serviceId: string; operationId: string } };

async function replay(x: Exchange, body = x.body) {
  const headers: Record<string, string> = {};
  for (const [k, v] of x.headers) headers[k] = k.toLowerCase() === 'content-length' ? String(Buffer.byteLength(body)) : v;
  const res = await t.app.inject({ method: x.method as 'POST', url: x.url, headers, payload: body });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return res;
}

/** The reply read and converted as the runtime would: to the declared output type, or to the error. */
function decodeReply(x: Exchange, text: string): { reply: Reply; value?: unknown; error?: ReturnType<typeof errorToNative> } {
  const req = requestOf(x);
  const reply = readReply(text, req.id);
  const op = opOf(req.params.serviceId, req.params.operationId, RELEASE);
  if (reply.error) return { reply, error: errorToNative(reply.error) };
  if (!op.output && op.name.endsWith('$task')) {
    expect(reply.output?.t).toBe('STRING');
    return { reply, value: (reply.output as { v: string }).v };
  }
  return { reply, value: toNative(op.output, reply.output!) };
}

describe.skipIf(!PRESENT)('the captured exchanges', () => {
  it('are parsed byte for byte (each body is exactly its Content-Length)', () => {
    expect(EXCHANGES).toHaveLength(12);
    for (const x of EXCHANGES) {
      expect(Buffer.byteLength(x.body)).toBe(Number(headerOf(x, 'content-length')));
      expect(x.status).toBe(200);
    }
  });

  it('decode with the runtime rules used to check our replies (the checker accepts what the runtime accepted)', () => {
    for (const x of EXCHANGES) expect(() => decodeReply(x, x.reply)).not.toThrow();
  });
});

describe.skipIf(!PRESENT)('replayed verbatim', () => {
  it('answer every request in the form the runtime accepts; unknown ids are NOT_FOUND, the bogus session as captured', async () => {
    // The capture's login and session, planted so that the verbatim requests authenticate.
    const repos = t.runtime.deps.store.repos;
    await repos.users.insert({ name: 'admin', passwordHash: await hashPassword('secret', t.runtime.deps.config.scryptCost), createdAt: t.wall.now() });
    await repos.sessions.insert({ tokenHash: sha256(TOKEN), user: 'admin', createdAt: t.wall.now(), lastAccessedAt: t.wall.now() });

    const notFound = shape(JSON.parse(EXCHANGES[9].reply).result.error);
    for (const [i, x] of EXCHANGES.entries()) {
      const res = await replay(x);
      const ours = decodeReply(x, res.body);
      const captured = decodeReply(x, x.reply);
      if (i === 0) {
        expect(typeof ours.value).toBe('string');
        expect(sameShape(shape(JSON.parse(res.body).result.output), shape(JSON.parse(x.reply).result.output))).toBe(true);
        expect(await repos.sessions.get(sha256(ours.value as string))).toMatchObject({ user: 'admin' });
      } else if (i === 11) {
        // bogus-session-id: the same error, field for field; only the message text is ours, and
        // the challenge names where to get a SAML token (the capture's stand-in server sent none).
        expect(ours.error).toMatchObject({ name: 'com.vmware.vapi.std.errors.unauthenticated', error_type: 'UNAUTHENTICATED' });
        expect(ours.error!.challenge).toMatch(/^SIGN realm=".+",sts="http:\/\/127\.0\.0\.1:18443\/sts\/STSService\/vsphere\.local", Basic realm="snapservice"$/);
        expect(sameShape(shape(JSON.parse(res.body).result.error), shape(JSON.parse(x.reply).result.error))).toBe(true);
        const strip = (s: string) => JSON.parse(s).result.error.ERROR['com.vmware.vapi.std.errors.unauthenticated'];
        const { messages: a, challenge: _ours, ...restOurs } = strip(res.body);
        const { messages: b, challenge: _captured, ...restCaptured } = strip(x.reply);
        expect(restOurs).toEqual(restCaptured);
        expect(a).toHaveLength(b.length);
        expect(ours.error!.messages[0].default_message).toMatch(/session/i);
        expect(res.headers['vapi-error']).toBe('com.vmware.vapi.std.errors.unauthenticated');
        expect(captured.error!.name).toBe(ours.error!.name);
      } else {
        // domain-c8, task-1 and the others do not exist here.
        expect(ours.error?.error_type, res.body).toBe('NOT_FOUND');
        expect(sameShape(shape(JSON.parse(res.body).result.error), notFound)).toBe(true);
      }
    }
  });
});

describe.skipIf(!PRESENT)('replayed with real ids', () => {
  it('give what REST gives for the same calls, in the shape of the captured replies', async () => {
    const I = await ids(t);
    const vm = I.vm('web-01');
    const snaps = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots` })).json().items;
    const subst: Record<string, string> = { 'domain-c8': I.clusterA, 'vm-42': vm, 'snap-100': snaps[0].snapshot, admin: USERS.admin.user, secret: USERS.admin.password };
    const rewrite = (body: string) => body.replace(/"(domain-c8|vm-42|snap-100|admin|secret|f37c9143bc59429aabb6eb40a6a41227|task-1)"/g, (m, k: string) => (k in subst ? JSON.stringify(subst[k]) : m));

    const rest = async (url: string, headers: Record<string, string> = {}, as: 'admin' | null = 'admin') => t.req({ method: 'GET', url, headers, as });
    const base = `/api/snapservice/clusters/${I.clusterA}/virtual-machines`;
    const sameAsRest = async (value: unknown, url: string) => {
      const r = await rest(url);
      expect(r.statusCode, r.body).toBe(200);
      expect(value).toEqual(r.json());
    };
    const sameErrorAsRest = async (error: ReturnType<typeof errorToNative> | undefined, r: { statusCode: number; json(): any }) => {
      expect(error).toBeDefined();
      expect(error!.error_type).toBe(r.json().error_type);
      expect(error!.messages).toEqual(r.json().messages);
    };

    for (const [i, x] of EXCHANGES.entries()) {
      if (i === 4) await t.advance(600);
      if (i === 5) await t.advance(2500);
      const res = await replay(x, rewrite(x.body));
      const ours = decodeReply(x, res.body);
      const mine = JSON.parse(res.body).result;
      const theirs = JSON.parse(x.reply).result;
      expect(sameShape(shape(mine.output ?? mine.error), shape(theirs.output ?? theirs.error)), `exchange ${i}: ${res.body}`).toBe(true);
      switch (i) {
        case 0:
          subst[TOKEN] = ours.value as string;
          expect((await rest('/api/session', { 'vmware-api-session-id': ours.value as string }, null)).json().user).toBe(USERS.admin.user);
          break;
        case 1:
          await sameAsRest(ours.value, base);
          break;
        case 2:
        case 8:
          await sameAsRest(ours.value, `${base}/${vm}/snapshots`);
          break;
        case 3:
          subst['task-1'] = ours.value as string;
          expect((await rest(`/api/snapservice/tasks/${ours.value}`)).json().status).toBe('PENDING');
          break;
        case 4:
        case 5:
          expect((ours.value as { status: string }).status).toBe(i === 4 ? 'RUNNING' : 'SUCCEEDED');
          await sameAsRest(ours.value, `/api/snapservice/tasks/${subst['task-1']}`);
          break;
        case 6:
          expect((ours.value as { status: string }).status).toBe('SUCCEEDED');
          await sameAsRest(ours.value, `/api/cis/tasks/${subst['task-1']}`);
          break;
        case 7:
          await sameAsRest(ours.value, `${base}/${vm}`);
          break;
        case 9:
          expect(ours.error?.name).toBe('com.vmware.vapi.std.errors.not_found');
          await sameErrorAsRest(ours.error, await t.req({ method: 'POST', url: `${base}/vm-does-not-exist?action=revert&vmw-task=true`, payload: { snapshot: subst['snap-100'] } }));
          break;
        case 10:
          expect(ours.error?.name).toBe('com.vmware.vapi.std.errors.invalid_argument');
          await sameErrorAsRest(ours.error, await t.req({ method: 'POST', url: `${base}/${vm}?action=revert&vmw-task=true`, payload: { snapshot: 'snapshot-does-not-exist' } }));
          break;
        case 11:
          expect(ours.error?.name).toBe('com.vmware.vapi.std.errors.unauthenticated');
          await sameErrorAsRest(ours.error, await rest(base, { 'vmware-api-session-id': 'bogus-session-id' }, null));
          break;
      }
    }
  });
});
