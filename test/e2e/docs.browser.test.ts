import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, makeApp, USERS, type TestApp } from '../helpers/app.ts';

// /docs in a real browser: Debian's chromium, driven by playwright-core, against the app
// listening on loopback. .ci/run installs chromium when it is missing; where it still is not
// there (no apt), this file is skipped and says so.

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`docs.browser.test.ts skipped: ${CHROMIUM} is not installed (apt-get install -y chromium)`);

describe.skipIf(!HAVE_CHROMIUM)('the /docs page in chromium', () => {
  let t: TestApp;
  let base: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const requests: Array<{ method: string; url: string; headers: Record<string, string> }> = [];
  const problems: string[] = [];

  beforeAll(async () => {
    t = await makeApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    profile = mkdtempSync(join(tmpdir(), 'snapservice-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 1600 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (r) => requests.push({ method: r.method(), url: r.url(), headers: r.headers() }));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await t?.close();
  });

  /** The operation block whose displayed operationId is exactly `id`. */
  const block = (id: string) =>
    page.locator('.opblock').filter({ has: page.locator('.opblock-summary-operation-id', { hasText: new RegExp(`^${id.replace(/[.$]/g, '\\$&')}$`) }) });

  it('renders every operation of the document, loading nothing from outside the server', async () => {
    const doc = (await t.req({ method: 'GET', url: '/api/openapi.json', as: null })).json();
    const count = Object.values(doc.paths as Record<string, object>).reduce((n, item) => n + Object.keys(item).length, 0);

    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBe(count);
    await expect(page.locator('.info .title').innerText()).resolves.toContain('Snapservice');
    expect(await block('Snapservice.Clusters.VirtualMachines_revert$Task').locator('.opblock-summary-path').innerText()).toContain('?action=revert&vmw-task=true');

    const outside = requests.filter((r) => !r.url.startsWith(`${base}/`) && !r.url.startsWith('data:'));
    expect(outside).toEqual([]);
    expect(requests.map((r) => new URL(r.url).pathname)).toContain('/api/openapi.json');
    expect(problems).toEqual([]);
  });

  it('authorizes with Basic, keeps the session a create returns, and fills path ids in action operations', async () => {
    const I = await ids(t);
    const vm = I.vm('web-01');
    const snapshots = (await t.req({ method: 'GET', url: `/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}/snapshots` })).json().items;

    await page.locator('button.authorize').first().click();
    const modal = page.locator('.modal-ux');
    await expect(modal.innerText()).resolves.toMatch(/basic_auth[\s\S]*api_key_auth|api_key_auth[\s\S]*basic_auth/);
    expect(await modal.innerText()).toContain('vmware-api-session-id');
    const basicAuth = modal.locator('.auth-container').filter({ hasText: 'basic_auth' });
    await basicAuth.locator('input').nth(0).fill(USERS.admin.user);
    await basicAuth.locator('input').nth(1).fill(USERS.admin.password);
    await basicAuth.locator('button.authorize').click();
    await modal.locator('button.close-modal').click();

    const create = block('Cis.Session_create');
    await create.locator('.opblock-summary').click();
    await create.locator('button.try-out__btn').click();
    await create.locator('button.execute').click();
    await create.locator('.live-responses-table').waitFor();
    expect(await create.locator('.live-responses-table .response-col_status').nth(1).innerText()).toBe('201');
    const sessionPost = requests.find((r) => r.method === 'POST' && new URL(r.url).pathname === '/api/session');
    expect(sessionPost?.headers.authorization).toMatch(/^Basic /);

    const revert = block('Snapservice.Clusters.VirtualMachines_revert$Task');
    await revert.locator('.opblock-summary').click();
    await revert.locator('button.try-out__btn').click();
    await revert.locator('tr[data-param-name="cluster"] input').fill(I.clusterA);
    await revert.locator('tr[data-param-name="vm"] input').fill(vm);
    await revert.locator('textarea.body-param__text').fill(JSON.stringify({ snapshot: snapshots[0].snapshot }));
    await revert.locator('button.execute').click();
    await revert.locator('.live-responses-table').waitFor();
    expect(await revert.locator('.live-responses-table .response-col_status').nth(1).innerText()).toBe('202');

    const sent = requests.find((r) => r.method === 'POST' && r.url.includes('action=revert'));
    expect(sent?.url).toBe(`${base}/api/snapservice/clusters/${I.clusterA}/virtual-machines/${vm}?action=revert&vmw-task=true`);
    expect(sent?.headers['vmware-api-session-id']).toMatch(/^[0-9a-f]{64}$/);
    const tasks = (await t.req({ method: 'GET', url: '/api/snapservice/tasks' })).json().items as Array<{ info: { operation: string; user: string } }>;
    expect(tasks.filter((x) => x.info.operation.startsWith('revert')).map((x) => x.info.user)).toEqual([USERS.admin.user]);
    expect(problems).toEqual([]);
  });
});
