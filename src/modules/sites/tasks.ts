import type { Deps } from '../../context.ts';
import { errors, vapiError } from '../../errors.ts';
import { peerCall, peerErrorToVapi, peerLogout, type PeerTarget } from '../../peer/client.ts';
import type { TaskRun } from '../../tasks/runner.ts';
import { defineTask } from '../../tasks/task.ts';
import { linkOf, newServiceCredential, storeServiceUser } from './access.ts';
import { localSiteFacts, type SiteFacts } from './facts.ts';

/**
 * The site pairing tasks. Admission (operations.ts) checked the remote's certificate and, when
 * administrator credentials were given, exchanged them for a session at the remote: the task
 * input holds that session token, never a password, and the task ends the session.
 */

interface PairingReply {
  site: string;
  name: string;
  vcenter: string;
  release: string;
  credential: { user: string; password: string };
}

async function peer<T>(target: PeerTarget, name: string, method: string, path: string, body?: unknown): Promise<T> {
  try {
    return await peerCall<T>(target, method, path, body);
  } catch (err) {
    throw peerErrorToVapi(err, name, { untrusted: 'UNVERIFIED_PEER' });
  }
}

async function pairingSpec(deps: Deps, { user, password }: { user: string; password: string }) {
  const cred = { user, password };
  const self = await localSiteFacts(deps);
  if (!deps.site.url || !deps.site.certificate) throw vapiError('UNSUPPORTED', 'site.not_https', 'This server does not listen on HTTPS, so it cannot be paired.');
  return { site: self.site, name: self.name, vcenter: self.vcenter, url: deps.site.url, certificate: deps.site.certificate, release: self.release, credential: cred };
}

async function begin(run: TaskRun): Promise<void> {
  await run.begin(1, run.task.description);
  if (run.deps.config.taskDelayMs > 0) await run.sleep(run.deps.config.taskDelayMs);
}

export interface AddSiteInput { url: string; certificate: string; session: string }

export const SITE_ADD = defineTask<AddSiteInput>({
  kind: 'site.add',
  description: { id: 'site.add', text: 'Pair a remote site' },
  run: async (run, input) => {
    const { deps } = run;
    const target: PeerTarget = { url: input.url, certificate: input.certificate, auth: { session: input.session }, timeoutMs: deps.config.siteTimeoutMs };
    try {
      await begin(run);
      const facts = await peer<SiteFacts>(target, input.url, 'GET', '/api/peer/site');
      if (facts.site === deps.site.id) throw errors.invalidArgument('spec.vcenter_connection_spec', 'names this site itself');
      const cred = await newServiceCredential(deps, facts.site);
      const reply = await peer<PairingReply>(target, facts.name, 'POST', '/api/peer/pairings', await pairingSpec(deps, cred));
      const now = deps.clock.now();
      try {
        await deps.store.transaction(async (tx) => {
          await tx.locks.acquire('admission');
          const other = (await tx.sites.list())[0];
          if (other) throw errors.notAllowed('site.already_paired', `This site is already paired with site ${other.name} (${other.id}).`, other.id);
          await storeServiceUser(tx, deps, cred, now);
          await tx.sites.insert({
            id: reply.site, name: reply.name, url: input.url, certificate: input.certificate, vcenterId: reply.vcenter, release: reply.release,
            remoteUser: reply.credential.user, remotePassword: reply.credential.password, localUser: cred.user, createdAt: now, updatedAt: now,
          });
          await run.succeed(tx, reply.site);
        });
      } catch (err) {
        // The remote recorded the pairing; undo it there so neither side is paired alone.
        await peerCall(target, 'DELETE', `/api/peer/pairings/${deps.site.id}`).catch(() => undefined);
        throw err;
      }
    } finally {
      await peerLogout(target);
    }
  },
});

export interface UpdateSiteInput { site: string; url: string; certificate: string; session?: string }

export const SITE_UPDATE = defineTask<UpdateSiteInput>({
  kind: 'site.update',
  description: { id: 'site.update', text: 'Repair a site pairing' },
  run: async (run, input) => {
    const { deps } = run;
    const site = await deps.store.repos.sites.get(input.site);
    if (!site) throw errors.notFound('site', input.site);
    const auth = input.session ? { session: input.session } : { user: site.remoteUser, password: site.remotePassword };
    const target: PeerTarget = { url: input.url, certificate: input.certificate, auth, timeoutMs: deps.config.siteTimeoutMs, link: linkOf(deps, site.id, (ms) => run.sleep(ms)) };
    try {
      await begin(run);
      // Both directions are repaired: the remote learns this site's address, certificate and a new credential.
      const cred = await newServiceCredential(deps, site.id);
      const reply = await peer<PairingReply>(target, site.name, 'PATCH', `/api/peer/pairings/${deps.site.id}`, await pairingSpec(deps, cred));
      const now = deps.clock.now();
      await deps.store.transaction(async (tx) => {
        const current = await tx.sites.get(site.id);
        if (!current) throw errors.notFound('site', site.id);
        await storeServiceUser(tx, deps, cred, now, current.localUser);
        await tx.sites.update(site.id, {
          name: reply.name, url: input.url, certificate: input.certificate, vcenterId: reply.vcenter, release: reply.release,
          remoteUser: reply.credential.user, remotePassword: reply.credential.password, localUser: cred.user, updatedAt: now,
        });
        await run.succeed(tx, undefined);
      });
    } finally {
      if (input.session) await peerLogout(target);
    }
  },
});

export interface DeleteSiteInput { site: string; remoteFailed: boolean; session?: string }

export const SITE_DELETE = defineTask<DeleteSiteInput>({
  kind: 'site.delete',
  description: { id: 'site.delete', text: 'Delete a site pairing' },
  run: async (run, input) => {
    const { deps } = run;
    const site = await deps.store.repos.sites.get(input.site);
    if (!site) throw errors.notFound('site', input.site);
    const auth = input.session ? { session: input.session } : { user: site.remoteUser, password: site.remotePassword };
    const target: PeerTarget = { url: site.url, certificate: site.certificate, auth, timeoutMs: deps.config.siteTimeoutMs, link: linkOf(deps, site.id, (ms) => run.sleep(ms)) };
    try {
      await begin(run);
      if (!input.remoteFailed) {
        try {
          await peerCall(target, 'DELETE', `/api/peer/pairings/${deps.site.id}`);
        } catch (err) {
          const e = peerErrorToVapi(err, site.name);
          throw vapiError(e.kind, 'site.delete_remote', `${e.message} To delete the pairing on this site only, delete with remote_site_failed=true.`, site.name);
        }
      }
      await deps.store.transaction(async (tx) => {
        const pairs = await tx.clusterPairs.list({ peerSiteIds: [site.id] });
        if (pairs.length > 0 && !input.remoteFailed) {
          throw errors.notAllowed('site.in_use', `Site ${site.name} has cluster pairs; delete them first.`, site.id);
        }
        for (const p of pairs) await tx.clusterPairs.delete(p.id);
        await tx.sites.delete(site.id);
        await tx.users.delete(site.localUser);
        await run.succeed(tx, undefined);
      });
      // A later pairing with the same site starts with a clear link.
      deps.links.clear(site.id);
    } finally {
      if (input.session) await peerLogout(target);
    }
  },
});
