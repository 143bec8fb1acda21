import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { clean, fuzz, summarize } from '../../fuzz/run.ts';
import type { ConfigInput } from '../../src/config/config.ts';
import { makeApp } from '../helpers/app.ts';
import { ADMIN_URL, postgresAvailable } from '../store-contract/pg-harness.ts';

/**
 * A bounded run of `npm run fuzz` on each store: every class of bad input generated from the
 * served OpenAPI document against a listening server with the demo inventory. No answer may
 * be 5xx, every 4xx must be a vAPI error body, nothing may hang, the server must stay up.
 * FUZZ_SEED repeats another run; the default seed keeps the suite reproducible.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const pgUp = await postgresAvailable();

async function run(config: ConfigInput): Promise<void> {
  // A short request timeout lets bodies shorter than their Content-Length be sent too.
  const t = await makeApp({ seed: 'demo', requestTimeoutMs: 1000, headersTimeoutMs: 1000, ...config });
  try {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    const report = await fuzz({ url, seed: SEED, count: 600, seconds: 25, concurrency: 8, caseTimeoutMs: 5000, adminPassword: 'VMware1!', slow: true });
    console.log(summarize(report));
    expect(clean(report), summarize(report)).toBe(true);
    expect(report.sent).toBeGreaterThanOrEqual(300);
    expect(Object.keys(report.byKind)).toHaveLength(11);
  } finally {
    await t.close();
  }
}

describe('fuzzing from the OpenAPI document', () => {
  it('SQLite: no 5xx, every 4xx vAPI-shaped, no hang, server alive', () => run({}));

  it.skipIf(!pgUp)('PostgreSQL: no 5xx, every 4xx vAPI-shaped, no hang, server alive', async () => {
    const db = `snapservice_fuzz_${randomBytes(4).toString('hex')}`;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(sql).finally(() => c.end());
    };
    await admin(`create database "${db}"`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${db}`;
    try {
      await run({ store: url.toString() });
    } finally {
      await admin(`drop database if exists "${db}" with (force)`);
    }
  });
});
