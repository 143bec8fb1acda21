import { describe } from 'vitest';
import { sqliteMemoryHarness } from './harness.ts';
import { storeContract } from './suite.ts';

describe('store contract: SQLite in memory', () => storeContract(sqliteMemoryHarness()));
