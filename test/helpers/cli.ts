import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { checkResponse } from './contract.ts';

/**
 * The real CLI, spawned as users run it, and a minimal HTTP client for it. Nothing here
 * sleeps: every wait is on process output, process exit or a reply.
 */
export const BIN = fileURLToPath(new URL('../../bin/snapservice.js', import.meta.url));
export const ADMIN = 'administrator@vsphere.local';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Cli {
  proc: ChildProcess;
  /** The URL of the `listening on` line, or undefined if the process exited first. */
  url?: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Exit>;
}

export const running = new Set<ChildProcess>();

/** Kills whatever a test left running (call from afterEach). */
export function killAll(): void {
  for (const p of running) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  running.clear();
}

/** Spawns `snapservice serve ...` and resolves once it prints `listening on` or exits. */
export async function serve(args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<Cli> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('SNAPSERVICE_')) delete env[k];
  const proc = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  const lines = createInterface({ input: proc.stdout! });
  const url = await new Promise<string | undefined>((resolve) => {
    lines.on('line', (line) => {
      const m = /^listening on (\S+)$/.exec(line);
      if (m) resolve(m[1]);
    });
    void exited.then(() => resolve(undefined));
  });
  return { proc, url, stdout: () => out, stderr: () => err, exited };
}

export async function stop(cli: Cli, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
  cli.proc.kill(signal);
  return cli.exited;
}

export interface Reply {
  status: number;
  body: any;
  fingerprint?: string;
}

/** One request on a fresh connection; HTTPS accepts the self-signed certificate. */
export function request(url: string, opts: { method?: string; headers?: Record<string, string>; json?: unknown } = {}): Promise<Reply> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const payload = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  const headers = { ...opts.headers, ...(payload ? { 'content-type': 'application/json' } : {}) };
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method: opts.method ?? 'GET', headers, agent: false, rejectUnauthorized: false }, (res) => {
      const socket = res.socket as import('node:tls').TLSSocket;
      const fingerprint = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().fingerprint256 : undefined;
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => {
        // Every response is checked against the vendor's OpenAPI documents (contract.ts).
        checkResponse({ method: opts.method ?? 'GET', url: u.pathname + u.search, status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: text });
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, fingerprint });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A logged-in REST client, as a user's script would hold one. */
export class Client {
  private constructor(readonly url: string, private readonly token: string) {}

  static async login(url: string, user = ADMIN, password = 'VMware1!'): Promise<Client> {
    const r = await request(`${url}/api/session`, { method: 'POST', headers: { authorization: basic(user, password) } });
    if (r.status !== 201) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
    return new Client(url, r.body as string);
  }

  call(method: string, path: string, json?: unknown): Promise<Reply> {
    return request(`${this.url}${path}`, { method, headers: { 'vmware-api-session-id': this.token }, json });
  }

  async ok(method: string, path: string, json?: unknown): Promise<any> {
    const r = await this.call(method, path, json);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Polls a task until it has finished; each poll is a real request (no timers). */
  async waitTask(task: string, seen: string[] = []): Promise<any> {
    for (;;) {
      const info = await this.ok('GET', `/api/snapservice/tasks/${task}`);
      if (seen.at(-1) !== info.status) seen.push(info.status);
      if (info.status === 'SUCCEEDED' || info.status === 'FAILED') return info;
    }
  }
}
