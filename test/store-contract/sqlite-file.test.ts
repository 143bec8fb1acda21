import { describe } from 'vitest';
import { sqliteFileHarness } from './harness.ts';
import { storeContract } from './suite.ts';

describe('store contract: SQLite file (WAL)', () => storeContract(sqliteFileHarness()));
