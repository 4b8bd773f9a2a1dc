// Where `--local` looks for the runner's runtime file when no data directory
// is named: ./.backup-mx, then each parent directory's .backup-mx (so the
// command works from lib/ or test/ of the checkout), then the checkout's own
// root, which is where `npm start` runs whatever directory it was typed in.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../local/runner/runner-config.js';

export const RUNTIME_DIR_NAME = '.backup-mx';

export interface RuntimeLookup {
  /** The environment to read the runtime file with (BACKUPMX_DATA_DIR set to the directory found). */
  env: NodeJS.ProcessEnv;
  /** Directories looked in, in order (for the "not running" message). */
  searched: string[];
}

export function lookUpRuntimeDir(env: NodeJS.ProcessEnv, cwd = process.cwd(), projectRoot = PROJECT_ROOT): RuntimeLookup {
  if (env.BACKUPMX_DATA_DIR) return { env, searched: [path.resolve(cwd, env.BACKUPMX_DATA_DIR)] };
  const searched: string[] = [];
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    searched.push(path.join(dir, RUNTIME_DIR_NAME));
    if (path.dirname(dir) === dir) break;
  }
  const root = path.join(projectRoot, RUNTIME_DIR_NAME);
  if (!searched.includes(root)) searched.push(root);
  const found = searched.find((dir) => existsSync(path.join(dir, 'runtime.json')));
  return { env: { ...env, BACKUPMX_DATA_DIR: found ?? searched[0] }, searched };
}
