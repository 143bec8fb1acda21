/**
 * 6. Real logins during a password-guessing attack: uncached logins (POST /api/session with
 * Basic, each as another user, so that no successful check is remembered) one at a time from
 * 127.0.0.1, first on an idle server (the baseline), then while 50 connections from 127.0.0.2
 * send wrong administrator passwords as fast as they are answered. Default scrypt cost
 * (N=2^15, about 60 ms a check).
 */
import { Agent, request } from 'node:http';
import { basicAuth } from './lib/api.ts';
import { HttpClient } from './lib/http.ts';
import { log, type Benchmark, type Row } from './lib/report.ts';
import { benchSeed } from './lib/seed.ts';
import { startServer } from './lib/server.ts';
import { ms, nowMs, perSec, percentileSorted, ratio, times } from './lib/stats.ts';

const LOGINS = 20;
const ATTACKERS = 50;
const ATTACKER_ADDRESS = '127.0.0.2';

async function realLogins(client: HttpClient, users: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const user of users) {
    const start = nowMs();
    await client.expect(201, '/api/session', { method: 'POST', headers: { authorization: basicAuth(user, 'Password1!') } });
    out.push(nowMs() - start);
  }
  return out.sort((a, b) => a - b);
}

/** 50 loops of wrong-password logins until `stop` is set; counts answers by status. */
function attack(url: string, stop: { done: boolean }): Promise<{ answers: number; byStatus: Record<number, number> }> {
  const u = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: ATTACKERS, localAddress: ATTACKER_ADDRESS });
  const result = { answers: 0, byStatus: {} as Record<number, number> };
  let guess = 0;
  const once = () => new Promise<void>((resolve) => {
    const req = request({ host: u.hostname, port: u.port, path: '/api/session', method: 'POST', agent, headers: { authorization: basicAuth(undefined, `guess-${guess++}`) } }, (res) => {
      res.resume();
      res.on('end', () => {
        result.answers++;
        result.byStatus[res.statusCode ?? 0] = (result.byStatus[res.statusCode ?? 0] ?? 0) + 1;
        resolve();
      });
    });
    req.on('error', () => resolve());
    req.end();
  });
  const loop = async () => {
    while (!stop.done) await once();
  };
  return Promise.all(Array.from({ length: ATTACKERS }, loop)).then(() => {
    agent.destroy();
    return result;
  });
}

export const loginAttack: Benchmark = {
  name: 'login-attack',
  title: `Real logins during a ${ATTACKERS}-connection wrong-password attack`,
  async run(): Promise<Row[]> {
    const users = Array.from({ length: 2 * LOGINS }, (_, i) => `user${i}@vsphere.local`);
    const seed = { ...benchSeed([{ prefix: 'vm', count: 2, capacityMib: 1024 }]), users: users.map((name) => ({ name, password: 'Password1!', permissions: [] })) };
    const app = await startServer('app', { seed });
    const client = new HttpClient(app.url, { maxSockets: 1 });
    try {
      const idle = await realLogins(client, users.slice(0, LOGINS));
      log(`  idle: ${LOGINS} uncached logins, p50 ${ms(percentileSorted(idle, 50))}  max ${ms(idle[idle.length - 1])}`);
      const stop = { done: false };
      const started = nowMs();
      const attacking = attack(app.url, stop);
      // Let the attack spend its budget first: the figure is for an attack in progress.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const loaded = await realLogins(client, users.slice(LOGINS));
      stop.done = true;
      const a = await attacking;
      const seconds = (nowMs() - started) / 1000;
      log(`  attack from ${ATTACKER_ADDRESS}: ${a.answers} answers in ${seconds.toFixed(1)} s (${perSec(a.answers / seconds)}), by status ${JSON.stringify(a.byStatus)}`);
      log(`  during the attack: ${LOGINS} uncached logins, p50 ${ms(percentileSorted(loaded, 50))}  max ${ms(loaded[loaded.length - 1])}`);
      const b = 'login under attack';
      return [
        { benchmark: b, metric: 'real login p50', value: ms(percentileSorted(loaded, 50)), baseline: ms(percentileSorted(idle, 50)), ratio: times(ratio(percentileSorted(loaded, 50), percentileSorted(idle, 50))) },
        { benchmark: b, metric: 'real login max', value: ms(loaded[loaded.length - 1]), baseline: ms(idle[idle.length - 1]), ratio: times(ratio(loaded[loaded.length - 1], idle[idle.length - 1])) },
        { benchmark: b, metric: 'attack answers/s', value: perSec(a.answers / seconds), baseline: '-', ratio: '-' },
      ];
    } finally {
      client.close();
      await app.stop();
    }
  },
};
