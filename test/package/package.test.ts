import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/contract.ts';

/**
 * The published package, used as a user would: `npm pack` (which compiles dist/ in prepack),
 * install the tarball into a fresh project with the npm registry for its dependencies, then
 * in that project: type-check and run the vitest suite of test/package/consumer/ (the one the
 * README shows), import it from plain Node ESM, and run its `snapservice` command.
 *
 * Kept within CI time: dependencies come from the npm cache when it has them
 * (--prefer-offline), and install scripts are skipped. The one dependency that needs one,
 * better-sqlite3, would compile from source for minutes where no prebuilt binary can be
 * downloaded; its addon is copied from this repository's own install of the same version,
 * which is what that install script would have produced on this machine.
 */
const consumerDir = join(REPO_ROOT, 'test', 'package', 'consumer');
const work = mkdtempSync(join(tmpdir(), 'snapservice-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The environment of a user's shell: none of this run's vitest or npm lifecycle settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(VITEST|npm_|NODE_OPTIONS$|TSX_|FORCE_COLOR$)/i.test(k)) continue;
    env[k] = v;
  }
  return { ...env, CI: 'true', NO_COLOR: '1' };
}

class CommandError extends Error {
  constructor(message: string, readonly output: string) {
    super(message);
  }
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): string {
  try {
    return execFileSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    const output = `--- stdout\n${e.stdout ?? ''}\n--- stderr\n${e.stderr ?? ''}`;
    throw new CommandError(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n${output}`, output);
  }
}

/** npm's own words for "the registry cannot be reached" (no network, no proxy, DNS). */
const OFFLINE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|ENOTCACHED)\b/;

const version = (dir: string) => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;

/** Native addons installed without their build step get the build of this repository's copy. */
function provideNativeBuilds(nodeModules: string): string[] {
  const provided: string[] = [];
  for (const name of readdirSync(nodeModules)) {
    const dir = join(nodeModules, name);
    if (!existsSync(join(dir, 'binding.gyp')) || existsSync(join(dir, 'build'))) continue;
    const ours = join(REPO_ROOT, 'node_modules', name);
    if (!existsSync(join(ours, 'build')) || version(ours) !== version(dir)) {
      run('npm', ['rebuild', name], join(nodeModules, '..'), 600_000);
    } else {
      cpSync(join(ours, 'build', 'Release'), join(dir, 'build', 'Release'), { recursive: true, filter: (src) => !/[\\/]obj(\.target)?([\\/]|$)/.test(src) });
    }
    provided.push(name);
  }
  return provided;
}

describe('the packed package', () => {
  it('installs into a fresh project and serves a vitest suite, types and all', { timeout: 600_000 }, (ctx) => {
    const packed = run('npm', ['pack', '--silent', '--pack-destination', work], REPO_ROOT, 300_000).trim().split('\n').pop()!;
    const tarball = join(work, packed);
    expect(existsSync(tarball)).toBe(true);

    const project = join(work, 'project');
    mkdirSync(join(project, 'test'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
    cpSync(join(consumerDir, 'revert.spec.ts'), join(project, 'test', 'revert.spec.ts'));
    writeFileSync(join(project, 'tsconfig.json'), readFileSync(join(consumerDir, 'tsconfig.json'), 'utf8').replace('"*.spec.ts"', '"test"'));
    const ourVitest = version(join(REPO_ROOT, 'node_modules', 'vitest'));
    try {
      run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball, `vitest@${ourVitest}`, '@types/node@20'], project, 300_000);
    } catch (err) {
      // Without the registry (and a cold npm cache) no user could install it either: nothing to learn.
      if (err instanceof CommandError && OFFLINE.test(err.output)) {
        console.warn(`packed-package test skipped: npm cannot reach the registry for the dependencies\n${err.output.slice(-800)}`);
        ctx.skip();
      }
      throw err;
    }
    provideNativeBuilds(join(project, 'node_modules'));

    const installed = join(project, 'node_modules', 'snapservice');
    // Only compiled output ships: no TypeScript sources, and no TypeScript runner among the dependencies.
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'dist', 'embed', 'index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);

    // Types: the consumer suite type-checks against the shipped declarations, library checks on.
    run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project, 120_000);

    const suite = run(process.execPath, [join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], project, 180_000);
    expect(suite).toMatch(/Tests\s+3 passed \(3\)/);

    // Plain Node ESM, no loader: start, answer, stop, and the process ends by itself.
    const plain = run(process.execPath, ['--input-type=module', '-e', [
      "import { startSnapservice } from 'snapservice';",
      'const s = await startSnapservice();',
      "const r = await fetch(s.url + '/readyz');",
      'console.log(r.status, s.credentials.username);',
      'await s.stop();',
    ].join('\n')], project, 60_000);
    expect(plain.trim()).toBe('200 administrator@vsphere.local');

    expect(run(join(project, 'node_modules', '.bin', 'snapservice'), ['--version'], project, 30_000).trim()).toBe(version(REPO_ROOT));
  });
});
