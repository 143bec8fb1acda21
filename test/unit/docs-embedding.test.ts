import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/contract.ts';

it.each(['README.md', 'docs/embedding.md'])('%s shows the consumer suite the package test runs, as it is', (file) => {
  const doc = readFileSync(join(REPO_ROOT, file), 'utf8');
  const shown = /```ts\n(import [\s\S]*?)```\n/.exec(doc)?.[1];
  const spec = readFileSync(join(REPO_ROOT, 'test', 'package', 'consumer', 'revert.spec.ts'), 'utf8');
  expect(shown).toBe(spec.slice(spec.indexOf('import {')));
});
