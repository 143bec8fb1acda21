/**
 * Automatic checking of every response in a test run. `checkResponse` is called by the test
 * helpers (`t.req` in app.ts, `request` in cli.ts) for every response a test receives.
 * Violations are collected and fail the running test from an afterEach hook, so a response
 * that a test never looks at is checked all the same.
 *
 * vitest is imported only when running under it: scripts (coverage, later operations) load
 * this module through the contract's public entry outside a test run.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { getContract } from './contract.ts';
import type { ObservedResponse, SpecOperation } from './model.ts';
import { REPO_ROOT, type SpecName } from './spec.ts';

/** When set, every matched response is recorded (JSON lines) in this directory for scripts/coverage.ts. */
export const HITS_DIR_ENV = 'CONTRACT_HITS_DIR';

const pending: string[] = [];
let testFile: () => string | undefined = () => undefined;

/** Checks a response a test received; violations fail the running test (afterEach). */
export function checkResponse(r: ObservedResponse): void {
  const contract = getContract();
  if (!contract) return;
  const result = contract.check(r);
  if (result.op) recordHit(result.op, r.status);
  pending.push(...result.violations);
}

/** Violations collected since the last call (tests of the checker itself use this). */
export function takeViolations(): string[] {
  return pending.splice(0);
}

export interface Hit {
  spec: SpecName;
  operationId: string;
  status: number;
  file: string;
}

function recordHit(op: SpecOperation, status: number): void {
  const dir = process.env[HITS_DIR_ENV];
  if (!dir) return;
  const file = testFile();
  const hit: Hit = { spec: op.spec, operationId: op.operationId, status, file: file ? path.relative(REPO_ROOT, file) : '(unknown)' };
  mkdirSync(dir, { recursive: true });
  // One file per worker process: appends never interleave across processes.
  appendFileSync(path.join(dir, `hits-${process.pid}.jsonl`), `${JSON.stringify(hit)}\n`);
}

export class ContractViolation extends Error {
  constructor(violations: string[]) {
    super(`${violations.length} response(s) break the vendor contract:\n${violations.map((v) => `  - ${v}`).join('\n')}`);
    this.name = 'ContractViolation';
  }
}

if (process.env.VITEST) {
  const { afterAll, afterEach, expect } = await import('vitest');
  testFile = () => expect.getState().testPath;
  const flush = () => {
    const v = takeViolations();
    if (v.length > 0) throw new ContractViolation(v);
  };
  afterEach(flush);
  afterAll(flush);
}
