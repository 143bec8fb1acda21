import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LATER_OPERATIONS } from '../../src/modules/later/table.ts';
import { COVERAGE_PATH, SERVED } from '../../scripts/coverage.ts';
import { endpointKey, HITS_DIR_ENV } from '../helpers/contract.ts';
import { servedEndpoint, servedOperations } from './served.ts';

/**
 * docs/coverage.md is generated (npm run coverage); this fails when the route table has moved
 * on without it. Cheap on purpose: the served and UNSUPPORTED operations the document lists
 * must be exactly those the route table has. (Skipped inside the generating run itself.)
 */
function listed(doc: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of doc.split('\n')) {
    if (!line.startsWith('| ')) continue;
    const cells = line.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, '').trim());
    const endpoint = cells.find((c) => /^`(GET|POST|PUT|PATCH|DELETE) \/api\//.test(c));
    const served = cells.find((c) => (Object.values(SERVED) as string[]).includes(c));
    if (endpoint && served) rows.set(endpoint.slice(1, -1), served);
  }
  return rows;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('docs/coverage.md', () => {
  it('lists exactly the operations the route table serves, and those answering UNSUPPORTED', (ctx) => {
    ctx.skip(process.env[HITS_DIR_ENV] !== undefined, 'generating docs/coverage.md');
    expect(existsSync(COVERAGE_PATH), 'docs/coverage.md is missing: npm run coverage').toBe(true);
    const rows = listed(readFileSync(COVERAGE_PATH, 'utf8'));
    const with_ = (v: string) => sorted([...rows].filter(([, s]) => s === v).map(([e]) => e));
    const stale = 'docs/coverage.md is stale: npm run coverage';
    expect(with_(SERVED.yes), stale).toEqual(sorted(servedOperations().map(servedEndpoint)));
    expect(with_(SERVED.later), stale).toEqual(sorted(LATER_OPERATIONS.map((e) => endpointKey(e.method, e.path, e))));
  });
});
