import { describe, expect, it } from 'vitest';
import type { Ctx } from './fixtures.ts';

export function recoveryContract(ctx: Ctx): void {
  describe('recovery state', () => {
    it('keeps a generation per group, 0 until set', async () => {
      const r = ctx.store.repos.recovery;
      expect(await r.generation('pg-1')).toBe(0);
      await r.setGeneration('pg-1', 1);
      await r.setGeneration('pg-1', 2);
      await r.setGeneration('pg-2', 7);
      expect(await r.generation('pg-1')).toBe(2);
      expect(await r.generation('pg-2')).toBe(7);
    });

    it('keeps a replica VM configuration, replaced by a newer one, and the VM recovered from it', async () => {
      const r = ctx.store.repos.recovery;
      const c = { replicaVmId: 'rvm-1', cpuCount: 4, coresPerSocket: 2, memoryMib: 8192, guestOs: "UBUNTU_64 'ü'" };
      expect(await r.vmConfig('rvm-1')).toBeUndefined();
      await r.putVmConfig(c);
      expect(await r.vmConfig('rvm-1')).toEqual({ ...c, recoveredVmId: null });
      await r.markRecovered('rvm-1', 'vm-42');
      await r.putVmConfig({ ...c, memoryMib: 4096 });
      expect(await r.vmConfig('rvm-1')).toEqual({ ...c, memoryMib: 4096, recoveredVmId: 'vm-42' });
    });
  });
}
