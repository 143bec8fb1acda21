import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  proc: ChildProcess;
  /** Resolves with the first stdout line (from now on) that matches; rejects if the child exits first. */
  waitFor(match: (line: string) => boolean): Promise<string>;
  /** Resolves when the process has exited; rejects on a non-zero exit unless `killed` is expected. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts child.ts in its own node process (no fixed sleeps: callers wait for its output). */
export function startChild(mode: string, target: { store: string; dataDir: string }, arg = ''): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, mode, JSON.stringify(target), arg], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const waiters = new Set<{ match: (l: string) => boolean; resolve: (l: string) => void; reject: (e: Error) => void }>();
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    for (const w of waiters) if (w.match(line)) {
      waiters.delete(w);
      w.resolve(line);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    proc.on('close', (code, signal) => {
      const err = new Error(`child ${mode} exited (code ${code}, signal ${signal}) before expected output:\n${stderr}`);
      for (const w of waiters) w.reject(err);
      waiters.clear();
      if (code === 0 || signal === 'SIGKILL') resolve({ code, signal });
      else reject(new Error(`child ${mode} failed (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });
  exited.catch(() => undefined);
  return {
    proc,
    exited,
    waitFor: (match) => new Promise((resolve, reject) => waiters.add({ match, resolve, reject })),
  };
}
