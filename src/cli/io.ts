/** What a command may touch of its process: environment and the two output streams. */
export interface Io {
  env: Record<string, string | undefined>;
  /** stdout: only what a script may parse (the `listening on` line, help, version). */
  out(text: string): void;
  /** stderr: errors and logs. */
  err(text: string): void;
}

export function processIo(): Io {
  return {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  };
}
