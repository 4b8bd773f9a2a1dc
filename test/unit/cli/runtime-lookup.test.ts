// Which runner `--local` picks when no data dir is named: the runtime file
// nearest the working directory, else the one live pointer of the checkout;
// several live pointers need --data-dir; dead ones are noted and skipped.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lookUpRuntimeDir } from '../../../cli/runtime-lookup.js';
import { UsageError } from '../../../cli/errors.js';
import { readCliEnv } from '../../../cli/cli-env.js';

const LIVE = new Set([1111, 2222, 3333]);
const alive = (pid: number) => LIVE.has(pid);

describe('lookUpRuntimeDir', () => {
  let dir: string;
  let root: string;
  let sub: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'backupmx-lookup-'));
    root = path.join(dir, 'checkout');
    sub = path.join(root, 'test', 'unit');
    await mkdir(sub, { recursive: true });
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'backup-mx' }));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A runner's data dir with its runtime file, and the pointer npm start leaves in the checkout. */
  async function runner(name: string, pid: number, pointerPid = pid): Promise<string> {
    const dataDir = path.join(dir, name);
    await mkdir(dataDir, { recursive: true });
    await writeFile(path.join(dataDir, 'runtime.json'), JSON.stringify({ pid }));
    await mkdir(path.join(root, '.backup-mx', 'runners'), { recursive: true });
    await writeFile(path.join(root, '.backup-mx', 'runners', `${pointerPid}.json`), JSON.stringify({ pid: pointerPid, runtimeDir: dataDir }));
    return dataDir;
  }

  // The project root passed is elsewhere: the checkout is found from the working directory.
  const look = (env: NodeJS.ProcessEnv = {}) => lookUpRuntimeDir(readCliEnv(env), sub, path.join(dir, 'elsewhere'), alive);

  it('finds the one live runner through its pointer, from a subfolder of the checkout', async () => {
    const data = await runner('spool', 1111);
    expect(look()).toMatchObject({ found: true, dir: data, notes: [] });
  });

  it('two live runners with different data dirs: neither is guessed, both are named', async () => {
    const a = await runner('a', 1111);
    const b = await runner('b', 2222);
    expect(() => look()).toThrow(UsageError);
    expect(() => look()).toThrow(`2 local backup MXs are running (pid 1111, data in ${a}; pid 2222, data in ${b}): choose one with --data-dir <dir>`);
    // A named data dir settles it, whatever the pointers say.
    expect(look({ BACKUPMX_DATA_DIR: b })).toMatchObject({ found: true, dir: b });
  });

  it("the checkout's own runtime file wins over a pointer, which is noted", async () => {
    await mkdir(path.join(root, '.backup-mx'), { recursive: true });
    await writeFile(path.join(root, '.backup-mx', 'runtime.json'), JSON.stringify({ pid: 3333 }));
    const other = await runner('other', 2222);
    const found = look();
    expect(found.dir).toBe(path.join(root, '.backup-mx'));
    expect(found.notes).toEqual([`another local backup MX is running (pid 2222, data in ${other}): --data-dir ${other} works on that one`]);
  });

  it('a dead pointer, and a pointer whose pid now belongs to another process, are skipped with a note', async () => {
    await runner('crashed', 4444);
    const reused = await runner('reused', 9999, 1111); // the pointer says 1111 (alive: reused), its runtime file says 9999
    const found = look();
    expect(found.found).toBe(false);
    expect(found.notes).toEqual([
      expect.stringMatching(/^ignoring the pointer .*1111\.json: its runner \(pid 1111, data in .*reused\) has exited$/),
      expect.stringMatching(/^ignoring the pointer .*4444\.json: its runner \(pid 4444, data in .*crashed\) has exited$/),
    ]);
    expect(found.dir).not.toBe(reused);
  });
});
