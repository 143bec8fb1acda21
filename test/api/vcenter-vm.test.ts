import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFolder, createVm } from '../../src/engine/inventory.ts';
import { makeApp, type TestApp } from '../helpers/app.ts';
import { demo, expectError, expectOk, expectOwnSchema, expectSpecSchema, haveSpec, ODD_IDS } from './vcenter-helpers.ts';

let t: TestApp;
let D: Awaited<ReturnType<typeof demo>>;
beforeAll(async () => {
  t = await makeApp();
  D = await demo(t);
});
afterAll(() => t.close());

const MIB = 1024 * 1024;
const get = (url: string, as: 'admin' | 'readonly' | 'operator' | null = 'admin') => t.req({ method: 'GET', url, as });
const vmIds = async (q: string, as: 'admin' | 'readonly' | 'operator' = 'admin') =>
  (expectOk(await get(`/api/vcenter/vm${q ? `?${q}` : ''}`, as)) as Array<{ vm: string }>).map((v) => v.vm);

describe('GET /api/vcenter/vm', () => {
  it('lists every VM as Vcenter.VM.Summary, in a stable order', async () => {
    const body = expectOk(await get('/api/vcenter/vm'));
    expect(body).toHaveLength(16);
    expect(body.find((v: any) => v.vm === D.vm('db-01'))).toEqual({ vm: D.vm('db-01'), name: 'db-01', power_state: 'POWERED_ON', cpu_count: 4, memory_size_mib: 16384 });
    expect(body.find((v: any) => v.vm === D.vm('jump-01'))).toEqual({ vm: D.vm('jump-01'), name: 'jump-01', power_state: 'POWERED_OFF', cpu_count: 1, memory_size_mib: 2048 });
    expect(expectOk(await get('/api/vcenter/vm'))).toEqual(body);
    expectOwnSchema('com.vmware.vcenter.VM.list', body);
    if (haveSpec) for (const s of body) expectSpecSchema('Vcenter.VM.Summary', s);
  });

  it('filters by vms and names', async () => {
    expect(await vmIds(`vms=${D.vm('web-01')}`)).toEqual([D.vm('web-01')]);
    expect(await vmIds(`vms=${D.vm('web-01')}&vms=${D.vm('build-02')}&vms=vm-99999`)).toEqual([D.vm('web-01'), D.vm('build-02')]);
    expect(await vmIds('vms=vm-99999')).toEqual([]);
    expect(await vmIds('names=db-02')).toEqual([D.vm('db-02')]);
    expect(await vmIds('names=db-01&names=test-02')).toEqual([D.vm('db-01'), D.vm('test-02')]);
    expect(await vmIds('names=db-*')).toEqual([]);
    expect(await vmIds('names=DB-01')).toEqual([]);
    expect(await vmIds('names=')).toEqual([]);
  });

  it('filters by clusters, hosts and datacenters', async () => {
    expect(await vmIds(`clusters=${D.A}`)).toEqual(D.vmsOf(D.A));
    expect(await vmIds(`clusters=${D.B}`)).toEqual(D.vmsOf(D.B));
    expect(await vmIds(`clusters=${D.A}&clusters=${D.B}`)).toHaveLength(16);
    expect(await vmIds('clusters=domain-c999')).toEqual([]);
    const a1 = D.host('esxi-a-01.lab.local');
    const onA1 = D.vms.filter((v) => v.hostId === a1).map((v) => v.id);
    expect(onA1.length).toBeGreaterThan(0);
    expect(await vmIds(`hosts=${a1}`)).toEqual(onA1);
    expect(await vmIds(`hosts=${a1}&hosts=${D.host('esxi-b-01.lab.local')}`)).toHaveLength(onA1.length + D.vms.filter((v) => v.hostId === D.host('esxi-b-01.lab.local')).length);
    expect(await vmIds(`hosts=${a1}&clusters=${D.B}`)).toEqual([]);
    expect(await vmIds(`datacenters=${D.dc}`)).toHaveLength(16);
    expect(await vmIds('datacenters=datacenter-999')).toEqual([]);
    expect(await vmIds(`datacenters=${D.dc}&clusters=${D.B}`)).toEqual(D.vmsOf(D.B));
    expect(await vmIds(`datacenters=datacenter-999&clusters=${D.B}`)).toEqual([]);
  });

  it('filters by folders and resource_pools (the VM\'s own, not their ancestors)', async () => {
    expect(await vmIds(`folders=${D.vmFolder}`)).toHaveLength(16);
    expect(await vmIds(`folders=${D.hostFolder}`)).toEqual([]);
    expect(await vmIds(`resource_pools=${D.rootPoolA}`)).toEqual(D.vmsOf(D.A));
    expect(await vmIds(`resource_pools=${D.production}`)).toEqual([]);
    expect(await vmIds(`resource_pools=${D.rootPoolA}&resource_pools=${D.rootPoolB}`)).toHaveLength(16);
    // A VM in a subfolder is in that folder only.
    const { folder, nested } = await t.runtime.deps.store.transaction(async (tx) => {
      const f = await createFolder(tx, 'Nested', D.dc, D.vmFolder, t.clock.now());
      const vm = await createVm(tx, {
        name: 'nested-01', clusterId: D.A, hostId: D.host('esxi-a-02.lab.local'), folderId: f.id, resourcePoolId: D.production,
        powerState: 'SUSPENDED', cpuCount: 1, memoryMib: 1024, guestOs: 'OTHER_LINUX_64', disks: [],
      }, t.clock.now());
      return { folder: f.id, nested: vm.id };
    });
    expect(await vmIds(`folders=${folder}`)).toEqual([nested]);
    expect(await vmIds(`folders=${D.vmFolder}`)).toHaveLength(16);
    expect(await vmIds(`folders=${D.vmFolder}&folders=${folder}`)).toHaveLength(17);
    expect(await vmIds(`resource_pools=${D.production}`)).toEqual([nested]);
    expect(await vmIds('power_states=SUSPENDED')).toEqual([nested]);
    const info = expectOk(await get(`/api/vcenter/vm/${nested}`));
    expect(info.disks).toEqual({});
    expect(info.power_state).toBe('SUSPENDED');
    expect(expectOk(await get(`/api/vcenter/vm/${nested}/power`))).toEqual({ state: 'SUSPENDED' });
    await t.runtime.deps.store.transaction((tx) => tx.vms.update(nested, { deletedAt: t.clock.now(), clusterId: null, hostId: null }));
  });

  it('filters by power_states', async () => {
    const on = D.vms.filter((v) => v.powerState === 'POWERED_ON').map((v) => v.id);
    expect(on).toHaveLength(6);
    expect(await vmIds('power_states=POWERED_ON')).toEqual(on);
    expect(await vmIds('filter.power_states=POWERED_ON')).toEqual(on);
    expect(await vmIds(`power_states=POWERED_ON&clusters=${D.B}`)).toEqual(on.filter((id) => D.vmsOf(D.B).includes(id)));
    expect(await vmIds('power_states=POWERED_OFF')).toHaveLength(10);
    expect(await vmIds('power_states=POWERED_ON&power_states=POWERED_OFF')).toHaveLength(16);
  });

  it('400 INVALID_ARGUMENT for a power state the server does not know, duplicates and unknown keys', async () => {
    expectError(await get('/api/vcenter/vm?power_states=RUNNING'), 'INVALID_ARGUMENT', 'power_states');
    expectError(await get('/api/vcenter/vm?power_states=powered_on'), 'INVALID_ARGUMENT', 'power_states');
    expectError(await get('/api/vcenter/vm?names=a&names=a'), 'INVALID_ARGUMENT', 'duplicates');
    expectError(await get('/api/vcenter/vm?name=web-01'), 'INVALID_ARGUMENT', 'name');
    expectError(await get('/api/vcenter/vm?filter.vm=vm-1'), 'INVALID_ARGUMENT', 'vm');
    expectError(await get('/api/vcenter/vm?action=list'), 'OPERATION_NOT_FOUND');
  });

  it('leaves out VMs the caller may not read', async () => {
    expect(await vmIds('', 'operator')).toEqual(D.vmsOf(D.A));
    expect(await vmIds(`clusters=${D.B}`, 'operator')).toEqual([]);
    expect(await vmIds(`vms=${D.vm('build-01')}`, 'operator')).toEqual([]);
    expect(await vmIds('', 'readonly')).toHaveLength(16);
  });

  it('401 without credentials', async () => {
    expectError(await get('/api/vcenter/vm', null), 'UNAUTHENTICATED');
  });
});

describe('GET /api/vcenter/vm/{vm}', () => {
  it('answers Vcenter.VM.Info with every required field, disks keyed by disk key', async () => {
    const id = D.vm('web-01');
    const vm = D.vms.find((v) => v.id === id)!;
    const body = expectOk(await get(`/api/vcenter/vm/${id}`));
    for (const f of ['guest_os', 'name', 'power_state', 'hardware', 'boot', 'boot_devices', 'cpu', 'memory', 'disks', 'nics', 'cdroms', 'floppies', 'parallel_ports', 'serial_ports', 'sata_adapters', 'scsi_adapters']) {
      expect(body, f).toHaveProperty(f);
    }
    expect(body).toMatchObject({
      guest_os: 'UBUNTU_64',
      name: 'web-01',
      identity: { name: 'web-01', bios_uuid: vm.biosUuid, instance_uuid: vm.instanceUuid },
      power_state: 'POWERED_ON',
      hardware: { version: 'VMX_21', upgrade_policy: 'NEVER', upgrade_status: 'NONE' },
      boot: { type: 'BIOS', delay: 0, retry: false, enter_setup_mode: false },
      boot_devices: [],
      cpu: { count: 2, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false },
      memory: { size_mib: 4096, hot_add_enabled: false },
      nics: {},
      cdroms: {},
      floppies: {},
      parallel_ports: {},
      serial_ports: {},
      sata_adapters: {},
    });
    expect(body.identity.bios_uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.disks).toEqual({
      2000: { label: 'Hard disk 1', type: 'SCSI', scsi: { bus: 0, unit: 0 }, backing: { type: 'VMDK_FILE', vmdk_file: '[vsanDatastore] web-01/web-01.vmdk' }, capacity: 256 * MIB },
      2001: { label: 'Hard disk 2', type: 'SCSI', scsi: { bus: 0, unit: 1 }, backing: { type: 'VMDK_FILE', vmdk_file: '[vsanDatastore] web-01/web-01_1.vmdk' }, capacity: 128 * MIB },
    });
    expect(Object.keys(body.disks)).toEqual(['2000', '2001']);
    expect(Object.values(body.scsi_adapters)).toEqual([expect.objectContaining({ type: 'PVSCSI', scsi: { bus: 0, unit: 7 }, sharing: 'NONE' })]);
    expectOwnSchema('com.vmware.vcenter.VM.get', body);
    if (haveSpec) expectSpecSchema('Vcenter.VM.Info', body);
  });

  it('reflects each VM: Windows guests boot EFI, sizes follow the VM', async () => {
    const body = expectOk(await get(`/api/vcenter/vm/${D.vm('app-02')}`));
    expect(body).toMatchObject({ guest_os: 'WINDOWS_SERVER_2021', power_state: 'POWERED_OFF', boot: { type: 'EFI', efi_legacy_boot: false }, cpu: { count: 2 }, memory: { size_mib: 8192 } });
    expect(body.disks['2000'].backing.vmdk_file).toBe('[vsanDatastore] app-02/app-02.vmdk');
    if (haveSpec) expectSpecSchema('Vcenter.VM.Info', body);
    for (const v of D.vms) expectOwnSchema('com.vmware.vcenter.VM.get', expectOk(await get(`/api/vcenter/vm/${v.id}`, 'readonly')));
  });

  it('403 naming System.Read for a VM the caller may not read; readers see it', async () => {
    expectError(await get(`/api/vcenter/vm/${D.vm('build-01')}`, 'operator'), 'UNAUTHORIZED', 'System.Read');
    expect(expectOk(await get(`/api/vcenter/vm/${D.vm('web-01')}`, 'operator')).name).toBe('web-01');
    expect(expectOk(await get(`/api/vcenter/vm/${D.vm('build-01')}`, 'readonly')).name).toBe('build-01');
  });

  it('404 for unknown, odd and wrong-type ids, before privileges', async () => {
    expectError(await get('/api/vcenter/vm/vm-99999'), 'NOT_FOUND', 'vm-99999');
    expectError(await get('/api/vcenter/vm/vm-99999', 'operator'), 'NOT_FOUND');
    expectError(await get(`/api/vcenter/vm/${D.A}`), 'NOT_FOUND');
    for (const odd of ODD_IDS) {
      expectError(await get(`/api/vcenter/vm/${odd}`), 'NOT_FOUND');
      expectError(await get(`/api/vcenter/vm/${odd}/power`), 'NOT_FOUND');
    }
  });

  it('401 without credentials, 400 for query keys it does not take', async () => {
    expectError(await get(`/api/vcenter/vm/${D.vm('web-01')}`, null), 'UNAUTHENTICATED');
    expectError(await get(`/api/vcenter/vm/${D.vm('web-01')}?names=x`), 'INVALID_ARGUMENT', 'names');
  });
});

describe('GET /api/vcenter/vm/{vm}/power', () => {
  it('answers Vcenter.Vm.Power.Info; clean_power_off only for powered-off VMs', async () => {
    const on = expectOk(await get(`/api/vcenter/vm/${D.vm('web-01')}/power`));
    expect(on).toEqual({ state: 'POWERED_ON' });
    const off = expectOk(await get(`/api/vcenter/vm/${D.vm('web-03')}/power`, 'readonly'));
    expect(off).toEqual({ state: 'POWERED_OFF', clean_power_off: true });
    for (const b of [on, off]) {
      expectOwnSchema('com.vmware.vcenter.vm.power.get', b);
      if (haveSpec) expectSpecSchema('Vcenter.Vm.Power.Info', b);
    }
  });

  it('401, 403 and 404 as for the VM', async () => {
    expectError(await get(`/api/vcenter/vm/${D.vm('web-01')}/power`, null), 'UNAUTHENTICATED');
    expectError(await get(`/api/vcenter/vm/${D.vm('build-01')}/power`, 'operator'), 'UNAUTHORIZED', 'System.Read');
    expectError(await get('/api/vcenter/vm/vm-99999/power'), 'NOT_FOUND');
  });
});

describe.skipIf(!haveSpec)('the conformance checker itself', () => {
  it('rejects a missing required member and an unknown one', () => {
    expect(() => expectSpecSchema('Vcenter.Cluster.Info', { name: 'x' })).toThrow();
    expect(() => expectSpecSchema('Vcenter.Cluster.Info', { name: 'x', resource_pool: 'r', extra: 1 })).toThrow();
    expect(() => expectSpecSchema('Vcenter.VM.Summary', { vm: 'vm-1', name: 'x', power_state: 'ON', cpu_count: 'two' })).toThrow();
  });
});

describe('VM list cap', () => {
  it('answers UNABLE_TO_ALLOCATE_RESOURCE past 4000 visible VMs; filters and visibility bring it back under', async () => {
    const big = await makeApp();
    try {
      const d = await demo(big);
      await big.runtime.deps.store.transaction(async (tx) => {
        for (let i = 0; i < 3985; i++) {
          await createVm(tx, {
            name: `bulk-${i}`, clusterId: d.B, hostId: d.host('esxi-b-01.lab.local'), folderId: d.vmFolder, resourcePoolId: d.rootPoolB,
            powerState: 'POWERED_OFF', cpuCount: 1, memoryMib: 512, guestOs: 'OTHER_LINUX_64', disks: [],
          }, big.clock.now());
        }
      });
      // 16 + 3985 = 4001 VMs.
      expectError(await big.req({ method: 'GET', url: '/api/vcenter/vm' }), 'UNABLE_TO_ALLOCATE_RESOURCE', '4000');
      expect(expectOk(await big.req({ method: 'GET', url: `/api/vcenter/vm?clusters=${d.A}` }))).toHaveLength(8);
      expect(expectOk(await big.req({ method: 'GET', url: '/api/vcenter/vm?power_states=POWERED_OFF' }))).toHaveLength(3995);
      expect(expectOk(await big.req({ method: 'GET', url: '/api/vcenter/vm', as: 'operator' }))).toHaveLength(8);
      await big.runtime.deps.store.transaction(async (tx) => {
        await tx.vms.update(d.vm('web-01'), { deletedAt: big.clock.now(), clusterId: null, hostId: null });
      });
      expect(expectOk(await big.req({ method: 'GET', url: '/api/vcenter/vm' }))).toHaveLength(4000);
    } finally {
      await big.close();
    }
  });
});
