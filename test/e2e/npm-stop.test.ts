import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/**
 * `npm start` and `npx snapservice serve` run the server under npm (npm -> sh -> node). A
 * SIGTERM to npm, what CI scripts and test harnesses send to the process they started, ends
 * npm; the server must stop too and free its port. Every wait is on output or a close.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'snapservice-npm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const started: Array<() => void> = [];
afterEach(() => started.splice(0).forEach((kill) => kill()));

async function underNpm(args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' };
  for (const k of Object.keys(env)) if (k.startsWith('SNAPSERVICE_')) delete env[k];
  const npm = spawn('npm', args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  npm.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  npm.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  // 'close' waits for every holder of the pipes: npm, the shell and the server.
  const closed = new Promise<void>((resolve) => npm.on('close', () => resolve()));
  const url = await new Promise<string | undefined>((resolve) => {
    npm.stdout.on('data', () => {
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void closed.then(() => resolve(undefined));
  });
  const pid = /"pid":(\d+)/.exec(err)?.[1];
  started.push(() => {
    if (pid) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  return { npm, url, closed, stderr: () => err };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

describe('stopping a server started through npm', () => {
  for (const [how, args] of [
    ['npm start', ['start', '--', '--port', '0', '--http', '--data', join(tmp, 'a')]],
    ['npx snapservice serve', ['exec', '--', 'snapservice', 'serve', '--port', '0', '--http', '--data', join(tmp, 'b')]],
  ] as const) {
    it(`${how}: SIGTERM to npm stops the server cleanly and frees the port`, async () => {
      const s = await underNpm([...args]);
      expect(s.url, s.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      s.npm.kill('SIGTERM');
      await s.closed;
      expect(s.stderr()).toContain('"signal":"parent exited","msg":"stopping"');
      expect(s.stderr()).toContain('"msg":"stopped"');
      expect(await refused(Number(new URL(s.url!).port))).toBe(true);
    });
  }
});
