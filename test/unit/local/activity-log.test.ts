// activity.log: `backup-mx --local` appends, the runner prints each line once.
// The file is emptied at start and rotated once printed past its cap, so a long
// run with many flushes keeps two bounded files; control characters from a
// primary's reply (or anyone who can write the file) never reach the terminal.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTIVITY_FILE, ActivityTail, noteActivity } from '../../../local/activity-log.js';

const sizeOf = (file: string) => stat(file).then((s) => s.size, () => 0);

describe('activity.log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'backupmx-activity-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('the runner prints every line once, in order, and keeps the files bounded by rotating', async () => {
    const printed: string[] = [];
    const cap = 2_000;
    const tail = new ActivityTail(dir, (line) => printed.push(line), 60_000, cap);
    await writeFile(path.join(dir, ACTIVITY_FILE), `${JSON.stringify({ pid: 1, line: 'from the last run' })}\n`);
    await tail.start(); // empties what an earlier run left
    let largest = 0;
    for (let n = 0; n < 300; n += 1) {
      await noteActivity(dir, `delivered message ${n} to <bob@example.com> (250 2.0.0 Ok: queued as ABC${n})`);
      if (n % 7 === 0) await tail.poll();
      largest = Math.max(largest, await sizeOf(path.join(dir, ACTIVITY_FILE)), await sizeOf(path.join(dir, `${ACTIVITY_FILE}.1`)));
    }
    await tail.stop();
    expect(printed).toHaveLength(300);
    expect(printed[0]).toBe(`backup-mx command (pid ${process.pid}): delivered message 0 to <bob@example.com> (250 2.0.0 Ok: queued as ABC0)`);
    expect(printed.map((l) => Number(/message (\d+) to/.exec(l)![1]))).toEqual([...Array(300).keys()]);
    // ~30 KB written; neither file ever held much more than the cap (plus the lines of one poll).
    expect(largest).toBeLessThan(cap + 7 * 120);
    expect(await sizeOf(path.join(dir, `${ACTIVITY_FILE}.1`))).toBeGreaterThan(0);
  });

  it('shows control characters as escapes, never raw (no terminal escape sequences from a reply text)', async () => {
    const printed: string[] = [];
    const tail = new ActivityTail(dir, (line) => printed.push(line), 60_000);
    await tail.start();
    await noteActivity(dir, 'deferred x: 451 \u001b[2J\u001b]0;owned\u0007 busy\r\nfake line');
    await tail.stop();
    expect(printed).toEqual([`backup-mx command (pid ${process.pid}): deferred x: 451 \\u001b[2J\\u001b]0;owned\\u0007 busy\\u000d\\u000afake line`]);
  });
});
