import { describe, expect, it } from 'vitest';
import { startChild, type Child } from './spawn.ts';
import type { Harness } from './suite.ts';

/** Starts children's work at once when all are up, so that their transactions really overlap. */
async function startTogether(children: Child[]): Promise<void> {
  await Promise.all(children.map((c) => c.waitFor((l) => l === 'ready')));
  for (const c of children) c.proc.stdin!.write('go\n');
}

/** Several processes on one store: what two server instances sharing a data dir rely on. */
export function processesContract(h: Harness): void {
  describe.runIf(h.location)('across processes', () => {
    it('concurrent migrate() in several processes on one fresh store all succeed', async () => {
      const loc = await h.location!();
      const children = Array.from({ length: 3 }, () => startChild('migrate', loc.target));
      await startTogether(children);
      await Promise.all(children.map((c) => c.exited));
      const store = loc.open();
      await store.migrate();
      await store.repos.meta.set('k', 'v');
      expect(await store.repos.meta.get('k')).toBe('v');
      expect(Number.isInteger(await store.repos.ids.next())).toBe(true);
    });

    it('the admission lock serialises read-modify-write transactions of several processes', async () => {
      const loc = await h.location!();
      await loc.open().migrate();
      const perChild = 25;
      const children = Array.from({ length: 4 }, () => startChild('count', loc.target, String(perChild)));
      await startTogether(children);
      await Promise.all(children.map((c) => c.exited));
      const store = loc.open();
      expect(await store.repos.meta.get('counter')).toBe(String(children.length * perChild));
    });

    it('a commit acknowledged before SIGKILL survives', async () => {
      const loc = await h.location!();
      await loc.open().migrate();
      const child = startChild('commit', loc.target);
      const line = await child.waitFor((l) => l === 'committed 20');
      child.proc.kill('SIGKILL');
      const { signal } = await child.exited;
      expect(signal).toBe('SIGKILL');
      const acknowledged = Number(line.split(' ')[1]);
      const store = loc.open();
      for (let k = 0; k <= acknowledged; k++) expect(await store.repos.meta.get(`durable-${k}`)).toBe(String(k));
      // The store is consistent and writable after the crash.
      await store.transaction((tx) => tx.meta.set('after-crash', 'yes'));
      expect(await store.repos.meta.get('after-crash')).toBe('yes');
    });
  });
}
