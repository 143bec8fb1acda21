import { afterAll, describe, it } from 'vitest';
import { postgresAvailable, postgresHarness, shownUrl } from './pg-harness.ts';
import { storeContract } from './suite.ts';

const available = await postgresAvailable();
// Set SNAPSERVICE_TEST_PG_REQUIRED=1 where PostgreSQL must be there (CI with a server): an
// unreachable server then fails the run instead of skipping it.
const required = process.env.SNAPSERVICE_TEST_PG_REQUIRED === '1';
if (!available) {
  console.warn(`PostgreSQL store contract ${required ? 'FAILS' : 'SKIPPED'}: no server at ${shownUrl()} `
    + '(set SNAPSERVICE_TEST_PG_URL, or start one: pg_ctlcluster --skip-systemctl-redirect <version> main start)');
}

describe.skipIf(!available && !required)('store contract: PostgreSQL', () => {
  if (!available) {
    it('needs a reachable PostgreSQL server', () => {
      throw new Error(`PostgreSQL is required (SNAPSERVICE_TEST_PG_REQUIRED=1) but ${shownUrl()} is unreachable`);
    });
    return;
  }
  const harness = postgresHarness();
  afterAll(() => harness.dispose());
  storeContract(harness);
});
