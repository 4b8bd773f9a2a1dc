// Which target a command works on: --local, an explicit --data-dir (implies
// --local), or the deployed stack, with a note when only the env var is set.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { main } from '../../../cli/main.js';
import { resolveTarget } from '../../../cli/resolve-target.js';
import { readCliEnv } from '../../../cli/cli-env.js';
import type { Target, TargetOptions } from '../../../cli/target.js';

function builders() {
  const picked: string[] = [];
  const fake = (kind: string) => async (_o: TargetOptions) => {
    picked.push(kind);
    return { kind } as unknown as Target;
  };
  return { picked, build: { local: fake('local'), aws: fake('aws') } };
}

describe('resolveTarget', () => {
  it('an explicit --data-dir implies --local', async () => {
    const { picked, build } = builders();
    const notes: string[] = [];
    await resolveTarget({ dataDir: '/tmp/x' }, (l) => notes.push(l), readCliEnv({}), build);
    expect(picked).toEqual(['local']);
    expect(notes).toEqual([]);
  });

  it('BACKUPMX_DATA_DIR alone keeps the deployed stack, with a one-line note on stderr', async () => {
    const { picked, build } = builders();
    const notes: string[] = [];
    await resolveTarget({}, (l) => notes.push(l), readCliEnv({ BACKUPMX_DATA_DIR: '/tmp/x' }), build);
    expect(picked).toEqual(['aws']);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/BACKUPMX_DATA_DIR is set.*deployed stack.*use --local/);
  });

  it('no note with --local, nor without the variable', async () => {
    const { picked, build } = builders();
    const notes: string[] = [];
    await resolveTarget({ local: true }, (l) => notes.push(l), readCliEnv({ BACKUPMX_DATA_DIR: '/tmp/x' }), build);
    await resolveTarget({}, (l) => notes.push(l), readCliEnv({}), build);
    expect(picked).toEqual(['local', 'aws']);
    expect(notes).toEqual([]);
  });

  it('`backup-mx --data-dir <empty dir> mailq` looks for a local instance (exit 4), not the AWS stack', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'backupmx-resolve-'));
    try {
      const io = new RecordingIo();
      expect(await main(['--data-dir', empty, 'mailq'], { io, env: {} })).toBe(4);
      expect(io.stderr.join('\n')).toContain(`no local backup MX is running: ${join(empty, 'runtime.json')}`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('the help says --data-dir implies --local', async () => {
    const io = new RecordingIo();
    expect(await main(['--help'], { io })).toBe(0);
    expect(io.text).toMatch(/--data-dir <dir>\s+data directory of the local backup MX; implies\s+--local/);
    expect(io.text).toContain('--data-dir implies --local; BACKUPMX_DATA_DIR alone does not');
  });
});
