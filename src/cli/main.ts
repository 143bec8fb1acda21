import { readFileSync } from 'node:fs';
import { flagSpecs } from './flags.ts';
import { MAIN_HELP, renderServeHelp } from './help.ts';
import { processIo, type Io } from './io.ts';
import { serve } from './serve.ts';

/** `snapservice <command> ...`: returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.out(rest[0] === 'serve' ? renderServeHelp(flagSpecs()) : MAIN_HELP);
        return 0;
      case 'version':
      case '--version':
        io.out(`${version()}\n`);
        return 0;
      case undefined:
        io.err(MAIN_HELP);
        return 2;
      default:
        io.err(`snapservice: unknown command '${command}'\n\n${MAIN_HELP}`);
        return 2;
    }
  } catch (err) {
    io.err(`snapservice: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
