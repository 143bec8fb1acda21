/**
 * A separate process on a shared store, driven by the contract suite:
 *   node --import tsx child.ts <mode> '<target json>' [n]
 * migrate:  prints 'ready', waits for 'go' on stdin, migrates and exits.
 * count:    prints 'ready', waits for 'go' on stdin, runs n locked increments, exits.
 * commit:   commits meta rows durable-0, durable-1, ... forever, printing 'committed k' after each
 *           commit returns (stdout to a pipe is synchronous on Linux), until killed.
 */
import { createInterface } from 'node:readline';
import { openStore } from '../../src/store/open.ts';
import { increment } from './counter.ts';

const [mode, targetJson, arg] = process.argv.slice(2);
const store = openStore(JSON.parse(targetJson) as { store: string; dataDir: string });

/** Lets the parent start several children at the same moment, once all are up. */
async function gate(): Promise<void> {
  const input = createInterface({ input: process.stdin });
  const go = new Promise<void>((resolve) => input.on('line', (l) => l.trim() === 'go' && resolve()));
  process.stdout.write('ready\n');
  await go;
  input.close();
}

if (mode === 'migrate') {
  await gate();
  await store.migrate();
} else if (mode === 'count') {
  await gate();
  for (let i = 0; i < Number(arg); i++) await increment(store);
} else if (mode === 'commit') {
  for (let k = 0; ; k++) {
    await store.transaction((tx) => tx.meta.set(`durable-${k}`, String(k)));
    process.stdout.write(`committed ${k}\n`);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
await store.close();
process.stdout.write('done\n');
