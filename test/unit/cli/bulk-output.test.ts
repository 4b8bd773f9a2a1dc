// What bulk delete and requeue print around the use case: progress only for
// long runs (every 100 and at the end), and the refusal without a terminal.
import { describe, expect, it } from 'vitest';
import { confirmBulk, countsLine, progressEvery } from '../../../cli/bulk-output.js';
import { RecordingIo } from '../../../cli/cli-io.js';
import { UsageError } from '../../../cli/errors.js';

describe('bulk output', () => {
  it('progress: a line every 100 messages and at the last, none for 100 or fewer', () => {
    const io = new RecordingIo();
    const progress = progressEvery(io, (done, total) => `delete: ${done}/${total}`);
    for (let done = 1; done <= 250; done++) progress(done, 250);
    expect(io.stderr).toEqual(['delete: 100/250', 'delete: 200/250', 'delete: 250/250']);
    const quiet = new RecordingIo();
    const few = progressEvery(quiet, () => 'x');
    for (let done = 1; done <= 100; done++) few(done, 100);
    expect(quiet.stderr).toEqual([]);
  });

  it('confirmation: --yes asks nothing; no terminal refuses (exit 2) naming --yes and --dry-run; a terminal is asked', async () => {
    expect(await confirmBulk(new RecordingIo(), { yes: true }, 'delete', 'Sure?')).toBe(true);
    const refusal = confirmBulk(new RecordingIo(), {}, 'delete', 'Sure?');
    await expect(refusal).rejects.toBeInstanceOf(UsageError);
    await expect(refusal).rejects.toThrow('refusing to delete without confirmation: no terminal to ask; pass --yes (or --dry-run to only list them)');
    const io = new RecordingIo([true]);
    expect(await confirmBulk(io, {}, 'requeue', 'Requeue these 3?')).toBe(true);
    expect(io.questions).toEqual(['Requeue these 3?']);
  });

  it('counts', () => {
    expect(countsLine('deleted', 3, 4, 0, 1)).toBe('-- deleted 3 of 4 messages; 0 skipped; 1 failed');
    expect(countsLine('deleted', 1, 1, 0, 0)).toBe('-- deleted 1 of 1 message; 0 skipped; 0 failed');
  });
});
