import { readFileSync } from 'node:fs';
import type { TSchema } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vcenterOperations } from '../../src/modules/vcenter/operations.ts';
import { ids, makeApp, type TestApp } from '../helpers/app.ts';
import { reachableSchemas } from './schemas.ts';
import { call, O, rpc, S, userPass } from './client.ts';

/** Canonical names from the vSphere Automation bindings (see the file's `_about`). */
const CANON = JSON.parse(readFileSync(new URL('./fixtures/vcenter-canonical-names.json', import.meta.url), 'utf8')) as {
  structures: Record<string, { fields: string[] }>;
  enums: string[];
};

/** Structure name -> field names of every STRUCTURE in a typed JSON value, as sent. */
function structuresIn(json: unknown, out = new Map<string, Set<string>>()): Map<string, Set<string>> {
  if (Array.isArray(json)) for (const x of json) structuresIn(x, out);
  else if (json && typeof json === 'object') {
    const [[tag, inner]] = Object.entries(json);
    if (tag === 'STRUCTURE') {
      const [[name, fields]] = Object.entries(inner as object);
      if (name !== 'map-entry') out.set(name, new Set([...(out.get(name) ?? []), ...Object.keys(fields as object)]));
      for (const f of Object.values(fields as object)) structuresIn(f, out);
    } else if (tag === 'OPTIONAL') structuresIn(inner, out);
  }
  return out;
}

describe('the vCenter slice over JSON-RPC uses the bindings\' canonical names', () => {
  it('every vCenter structure we serve has exactly the canonical field names, and its name and enumerations are the bindings\'', () => {
    const { structs, enums } = reachableSchemas(vcenterOperations);
    expect(structs.size).toBeGreaterThan(40);
    for (const [name, schema] of structs) {
      const canon = CANON.structures[name];
      expect(canon, `structure ${name} is not in the bindings`).toBeDefined();
      const wire = Object.entries((schema.properties ?? {}) as Record<string, TSchema>).map(([k, p]) => (typeof p.canonical === 'string' ? p.canonical : k));
      expect(wire.sort(), name).toEqual([...canon.fields].sort());
      // REST names are the canonical names in lower case.
      for (const k of Object.keys(schema.properties ?? {})) expect(canon.fields.map((f) => f.toLowerCase())).toContain(k);
    }
    for (const e of enums) expect(CANON.enums, `enumeration ${e}`).toContain(e);
  });

  describe('what the server actually sends', () => {
    let t: TestApp;
    beforeEach(async () => {
      t = await makeApp();
    });
    afterEach(() => t.close());

    it('each vCenter read, answered over JSON-RPC, carries only canonical structure and field names (VM get: guest_OS, size_MiB)', async () => {
      const I = await ids(t);
      const vm = I.vm('web-01');
      const sec = userPass('admin');
      const calls: Array<[string, string, Record<string, unknown>]> = [
        ['com.vmware.vcenter.datacenter', 'list', { filter: O() }],
        ['com.vmware.vcenter.cluster', 'list', { filter: O() }],
        ['com.vmware.vcenter.cluster', 'get', { cluster: I.clusterA }],
        ['com.vmware.vcenter.folder', 'list', { filter: O() }],
        ['com.vmware.vcenter.host', 'list', { filter: O() }],
        ['com.vmware.vcenter.resource_pool', 'list', { filter: O() }],
        ['com.vmware.vcenter.VM', 'list', { filter: O() }],
        ['com.vmware.vcenter.VM', 'get', { vm }],
        ['com.vmware.vcenter.vm.power', 'get', { vm }],
      ];
      const seen = new Map<string, Set<string>>();
      for (const [service, op, fields] of calls) {
        const { res } = await rpc(t, service, op, fields, sec);
        for (const [name, names] of structuresIn(JSON.parse(res.body).result.output)) seen.set(name, new Set([...(seen.get(name) ?? []), ...names]));
        // And the runtime model decodes it into the declared type.
        await call(t, service, op, fields, sec);
      }
      for (const [name, names] of seen) expect([...names].sort(), name).toEqual([...CANON.structures[name].fields].sort());
      expect(seen.get('com.vmware.vcenter.VM.info')).toContain('guest_OS');
      expect(seen.get('com.vmware.vcenter.VM.summary')).toContain('memory_size_MiB');
      expect(seen.get('com.vmware.vcenter.vm.hardware.memory.info')).toContain('size_MiB');
      expect(seen.size).toBeGreaterThanOrEqual(15);
    });

    it('the same VM reads as over REST, only the names differ; a filter sent with canonical names is read', async () => {
      const I = await ids(t);
      const vm = I.vm('web-01');
      const sec = userPass('admin');
      const info = await call(t, 'com.vmware.vcenter.VM', 'get', { vm }, sec);
      expect(info).toEqual((await t.req({ method: 'GET', url: `/api/vcenter/vm/${vm}` })).json());
      const list = await call(t, 'com.vmware.vcenter.VM', 'list', {
        filter: O(S('com.vmware.vcenter.VM.filter_spec', { vms: O([vm]), names: O(), folders: O(), datacenters: O(), hosts: O(), clusters: O(), resource_pools: O(), power_states: O() })),
      }, sec);
      expect(list).toEqual([expect.objectContaining({ vm, memory_size_mib: info.memory.size_mib })]);
    });
  });
});
