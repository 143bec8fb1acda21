import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ADMIN, basic, killAll, request, serve as spawnServe, stop, type Reply } from '../helpers/cli.ts';

// The real CLI, spawned as users run it. Nothing here sleeps: every wait is on process
// output or exit.

const tmpRoot = mkdtempSync(join(tmpdir(), 'snapservice-cli-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = () => join(tmpRoot, `d${++dirCount}`);
afterEach(killAll);
/** Runs from the temp root unless told otherwise, so a default ./data lands there. */
const serve = (args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}) => spawnServe(args, { cwd: tmpRoot, ...opts });

async function login(url: string, password = 'VMware1!'): Promise<Reply> {
  return request(`${url}/api/session`, { method: 'POST', headers: { authorization: basic(ADMIN, password) } });
}

describe('snapservice serve', () => {
  it('serves HTTPS with a self-signed certificate kept in the data dir, reused on restart', async () => {
    const data = freshDir();
    const first = await serve(['--port', '0', '--data', data], {});
    expect(first.url, first.stderr()).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    const session = await login(first.url!);
    expect(session.status).toBe(201);
    expect(session.body).toMatch(/^[0-9a-f]{64}$/);
    const about = await request(`${first.url}/api/snapservice/info/about`, { headers: { 'vmware-api-session-id': session.body as string } });
    expect(about).toMatchObject({ status: 200, body: { version: '9.1.0.0' } });

    const certPath = join(data, 'cert.pem');
    const keyPath = join(data, 'key.pem');
    expect(existsSync(certPath) && existsSync(keyPath)).toBe(true);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    // The store holds the password hashes.
    for (const f of ['snapservice.db', 'snapservice.db-wal', 'snapservice.db-shm']) expect(statSync(join(data, f)).mode & 0o777, f).toBe(0o600);
    const cert = new X509Certificate(readFileSync(certPath));
    expect(about.fingerprint).toBe(cert.fingerprint256);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');

    expect(await stop(first)).toEqual({ code: 0, signal: null });
    // stdout carries exactly the one line; logs went to stderr.
    expect(first.stdout()).toBe(`listening on ${first.url}\n`);
    expect(first.stderr()).toContain('"msg":"stopping"');

    const second = await serve(['--port', '0', '--data', data]);
    expect(second.url, second.stderr()).toBeDefined();
    const again = await request(`${second.url}/api/snapservice/info/about`, { headers: { authorization: basic(ADMIN, 'VMware1!') } });
    expect(again.status).toBe(200);
    expect(again.fingerprint).toBe(cert.fingerprint256);
    expect(new X509Certificate(readFileSync(certPath)).fingerprint256).toBe(cert.fingerprint256);
    expect(await stop(second, 'SIGINT')).toEqual({ code: 0, signal: null });
  });

  it('serves plain HTTP with --http, the release asked for with --release, and stops on SIGINT', async () => {
    const data = freshDir();
    const cli = await serve(['--port', '0', '--data', data, '--http', '--release', '8.0.3']);
    expect(cli.url, cli.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await login(cli.url!)).status).toBe(201);
    const auth = { authorization: basic(ADMIN, 'VMware1!') };
    expect(await request(`${cli.url}/api/snapservice/info/about`, { headers: auth })).toMatchObject({ status: 200, body: { version: '8.0.3.0' } });
    // The sessions resource came with 9.0: an 8.0.3 appliance has no such operation.
    const later = await request(`${cli.url}/api/snapservice/sessions`, { method: 'POST', headers: auth });
    expect(later).toMatchObject({ status: 404, body: { error_type: 'OPERATION_NOT_FOUND' } });
    expect(await stop(cli, 'SIGINT')).toEqual({ code: 0, signal: null });
    expect(existsSync(join(data, 'cert.pem'))).toBe(false);
  });

  it('refuses a non-loopback address with the default password, before listening', async () => {
    for (const cli of [
      await serve(['--host', '0.0.0.0', '--port', '0', '--data', ':memory:']),
      await serve(['--port', '0', '--data', ':memory:'], { env: { SNAPSERVICE_HOST: '0.0.0.0' } }),
    ]) {
      expect(cli.url).toBeUndefined();
      expect(await cli.exited).toEqual({ code: 2, signal: null });
      expect(cli.stdout()).toBe('');
      expect(cli.stderr()).toMatch(/refusing to listen on 0\.0\.0\.0 with the default password.*\n.*--admin-password/);
    }
  });

  it('refuses a non-loopback address with a blank or short admin password', async () => {
    const cases: [string, RegExp][] = [[' ', /with a blank password/], ['        ', /with a blank password/], ['short', /with a password shorter than 8 characters/]];
    const clis = await Promise.all(cases.map(([pw]) => serve(['--host', '0.0.0.0', '--port', '0', '--data', ':memory:', '--http', '--admin-password', pw])));
    for (const [i, cli] of clis.entries()) {
      expect(await cli.exited).toEqual({ code: 2, signal: null });
      expect(cli.stderr()).toMatch(cases[i][1]);
      expect(cli.stderr()).toMatch(/at least 8 characters with --admin-password/);
    }
  });

  it('listens beyond loopback with another admin password, which replaces the default', async () => {
    const cli = await serve(['--host', '0.0.0.0', '--port', '0', '--data', ':memory:', '--http', '--admin-password', 'S3cret-pass']);
    expect(cli.url, cli.stderr()).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    const local = cli.url!.replace('0.0.0.0', '127.0.0.1');
    expect((await login(local, 'S3cret-pass')).status).toBe(201);
    expect((await login(local, 'VMware1!')).status).toBe(401);
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
  });

  it('rejects bad flags with exit code 2 and a message', async () => {
    const cases: [string[], RegExp][] = [
      [['--port', 'abc'], /--port expects a whole number, got 'abc'/],
      [['--port', '70000'], /--port \(SNAPSERVICE_PORT\): expected integer to be less or equal to 65535/],
      [['--nope'], /unknown option '--nope'/],
      [['--clock', 'sundial'], /--clock must be one of system, manual/],
      [['--clock-start', 'yesterday', '--clock', 'manual'], /--clock-start expects an RFC 3339 time/],
      [['--store', 'mysql://x'], /--store must be 'sqlite' or a postgres:\/\/ URL/],
    ];
    const clis = await Promise.all(cases.map(([args]) => serve([...args, '--data', ':memory:'])));
    for (const [i, cli] of clis.entries()) {
      expect(cli.url).toBeUndefined();
      expect(await cli.exited).toEqual({ code: 2, signal: null });
      expect(cli.stderr()).toMatch(cases[i][1]);
      expect(cli.stderr()).toContain("Run 'snapservice serve --help'");
      expect(cli.stdout()).toBe('');
    }
  });

  it('with --data :memory: leaves no files behind', async () => {
    const cwd = freshDir();
    mkdirSync(cwd);
    const cli = await serve(['--port', '0', '--data', ':memory:'], { cwd });
    expect(cli.url, cli.stderr()).toMatch(/^https:/);
    expect((await login(cli.url!)).status).toBe(201);
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('takes its options from SNAPSERVICE_* environment variables; flags win', async () => {
    const data = freshDir();
    const cli = await serve(['--port', '0'], {
      env: { SNAPSERVICE_PORT: '1', SNAPSERVICE_DATA: data, SNAPSERVICE_HTTP: 'true', SNAPSERVICE_ADMIN_PASSWORD: 'From-env-1', SNAPSERVICE_SEED: 'empty' },
    });
    expect(cli.url, cli.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.url).not.toMatch(/:1$/);
    expect((await login(cli.url!, 'From-env-1')).status).toBe(201);
    expect(existsSync(join(data, 'snapservice.db'))).toBe(true);
    expect(await stop(cli)).toEqual({ code: 0, signal: null });
  });

  it('reports a port in use with exit code 1', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as AddressInfo;
    try {
      const cli = await serve(['--port', String(port), '--data', ':memory:', '--http']);
      expect(cli.url).toBeUndefined();
      expect(await cli.exited).toEqual({ code: 1, signal: null });
      expect(cli.stderr()).toContain(`cannot listen on 127.0.0.1:${port}: the address is already in use`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('prints help on stdout with exit code 0', async () => {
    const cli = await serve(['--help']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.stdout()).toContain('Usage: snapservice serve [options]');
    expect(cli.stdout()).toContain('--max-concurrent-reverts N');
    expect(cli.stdout()).toContain('SNAPSERVICE_ADMIN_PASSWORD');
  });
});
