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

  // Swagger UI (5.3x) virtualizes the operations list once its rows (tags + operations) reach
  // 150: only the blocks near the viewport are in the DOM, the rest render as they scroll in.
  // So the page is read the way a user reads it, by scrolling, not by counting the DOM.

  /** Lets the virtualizer react to a scroll: it renders on the frames after the scroll event. */
  const scrollTo = (y: number) =>
    page.evaluate(async (top) => {
      window.scrollTo(0, top);
      for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
      return { y: window.scrollY, atEnd: window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1 };
    }, y);

  /** Every operationId the page shows, top to bottom, one viewport-ish step at a time. */
  async function renderedOperationIds(): Promise<Set<string>> {
    const seen = new Set<string>();
    for (let y = 0; ; y += 800) {
      const at = await scrollTo(y);
      for (const id of await page.locator('.opblock-summary-operation-id').allInnerTexts()) seen.add(id);
      if (at.atEnd && at.y < y) return seen;
    }
  }

  /** The block of `id`, scrolled to from the top of the page until the list renders it. */
  async function reveal(id: string) {
    for (let y = 0; ; y += 800) {
      const at = await scrollTo(y);
      if ((await block(id).count()) > 0) {
        await block(id).scrollIntoViewIfNeeded();
        return block(id);
      }
      if (at.atEnd && at.y < y) throw new Error(`operation ${id} is not on the page`);
    }
  }

  it('renders every operation of the document, loading nothing from outside the server', async () => {
    const doc = (await t.req({ method: 'GET', url: '/api/openapi.json', as: null })).json();
    const operationIds = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((item) => Object.values(item).map((op) => op.operationId));

    await page.goto(`${base}/docs`);
    await page.locator('.opblock').first().waitFor();
    await expect(page.locator('.info .title').innerText()).resolves.toContain('Snapservice');
    expect([...(await renderedOperationIds())].sort()).toEqual([...operationIds].sort());
    const revert = await reveal('Snapservice.Clusters.VirtualMachines_revert$Task');
    expect(await revert.locator('.opblock-summary-path').innerText()).toContain('?action=revert&vmw-task=true');

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

    const create = await reveal('Cis.Session_create');
    await create.locator('.opblock-summary').click();
    await create.locator('button.try-out__btn').click();
    await create.locator('button.execute').click();
    await create.locator('.live-responses-table').waitFor();
    expect(await create.locator('.live-responses-table .response-col_status').nth(1).innerText()).toBe('201');
    const sessionPost = requests.find((r) => r.method === 'POST' && new URL(r.url).pathname === '/api/session');
    expect(sessionPost?.headers.authorization).toMatch(/^Basic /);

    const revert = await reveal('Snapservice.Clusters.VirtualMachines_revert$Task');
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
