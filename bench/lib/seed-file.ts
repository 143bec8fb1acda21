import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * A line seed (`.jsonl`) of `vms` VMs spread over clusters of at most 10,000, each VM with one
 * guest write and `snapshots` snapshots a day apart, written without holding it in memory.
 */
export async function writeScaleSeed(file: string, vms: number, snapshots: number): Promise<{ bytes: number }> {
  const out = createWriteStream(file);
  let bytes = 0;
  const put = async (record: unknown) => {
    const line = `${JSON.stringify(record)}\n`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  };
  await put({ datacenter: { name: 'Scale-DC' } });
  const perCluster = 10_000;
  for (let i = 0; i < vms; i++) {
    if (i % perCluster === 0) {
      const c = i / perCluster;
      await put({ cluster: { name: `Scale-C${c}`, hosts: [0, 1, 2, 3].map((h) => `esx-${c}-${h}.scale.local`) } });
    }
    const name = `vm-${String(i).padStart(6, '0')}`;
    await put({
      vm: {
        name, power_state: i % 3 === 0 ? 'POWERED_ON' : 'POWERED_OFF', disks: [{ capacity_mib: 40960 }],
        history: [
          { write: { disk: 2000, block: 0, text: name } },
          ...Array.from({ length: snapshots }, (_, s) => ({ snapshot: { name: `daily-${s + 1}`, age_minutes: (snapshots - s) * 1440 } })),
        ],
      },
    });
  }
  out.end();
  await once(out, 'finish');
  return { bytes };
}
