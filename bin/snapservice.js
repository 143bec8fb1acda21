#!/usr/bin/env node
// In a clone (src/ present) the TypeScript sources run directly through tsx, so that `npm
// install` is the only step between a fresh clone and `npx snapservice serve`: no build output
// to go stale. The published package has no src/, only dist/ (compiled by `npm pack`'s
// prepack), and needs no TypeScript tooling at run time.
import { existsSync } from 'node:fs';

const clone = existsSync(new URL('../src/cli/main.ts', import.meta.url));
let main;
if (clone) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
