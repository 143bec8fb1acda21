#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so that `npm install` is the only step
// between a fresh clone and `npx snapservice serve`: there is no build output to go stale.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
