// spool/index.jsonl: what a start needs to know about each spooled message
// without opening it — its id, when it arrived, and whether an earlier start
// found it finished. A restart then reads (and puts back into S3) only the
// messages that may still need delivering or are dead letters, instead of the
// whole 30-day spool. One JSON object per line, appended:
//   {"id":"…","at":"2026-12-01T10:00:00.000Z"}   saved (after its .json commit)
//   {"id":"…","done":true}                        found finished at a start
// A line cut by a crash is skipped. The directory listing stays the truth for
// what exists: a committed .json missing from the index counts as not done,
// and index lines without their .json are dropped when a start rewrites it.
import { appendFile, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolIndexEntry {
  id: string;
  /** ISO time it arrived; '' when unknown (read from its record then). */
  receivedAt: string;
  /** An earlier start found every share final. */
  done: boolean;
}

export const SPOOL_INDEX_FILE = 'index.jsonl';

export class SpoolIndex {
  constructor(private readonly dir: string) {}

  get file(): string {
    return join(this.dir, SPOOL_INDEX_FILE);
  }

  async saved(id: string, receivedAt: string): Promise<void> {
    await appendFile(this.file, JSON.stringify({ id, at: receivedAt }) + '\n');
  }

  /** Entries by id (the last word on each id wins). */
  async read(): Promise<Map<string, SpoolIndexEntry>> {
    const entries = new Map<string, SpoolIndexEntry>();
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return entries;
      throw error;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let parsed: { id?: unknown; at?: unknown; done?: unknown };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        continue; // cut by a crash mid-append
      }
      if (typeof parsed.id !== 'string') continue;
      const before = entries.get(parsed.id);
      entries.set(parsed.id, {
        id: parsed.id,
        receivedAt: typeof parsed.at === 'string' ? parsed.at : (before?.receivedAt ?? ''),
        done: parsed.done === true || (before?.done ?? false),
      });
    }
    return entries;
  }

  /** Replaces the file with one line per entry (written aside, fsynced, renamed). */
  async rewrite(entries: SpoolIndexEntry[]): Promise<void> {
    const lines = entries.map((e) => JSON.stringify(e.done ? { id: e.id, at: e.receivedAt, done: true } : { id: e.id, at: e.receivedAt })).join('\n');
    const tmp = `${this.file}.rewrite.tmp`;
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(lines ? lines + '\n' : '');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.file);
  }
}
