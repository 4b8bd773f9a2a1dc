// `delete` on a local backup MX with a data dir: the runner's spool
// (local/snapshot.ts) would restore and re-publish the message at the next
// start, so its entry goes too, or only the deleted routes' shares of it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailSpool, SpoolRecord } from '../local/snapshot.js';
import type { Target } from './target.js';

const SAFE_ID = /^[A-Za-z0-9._-]+$/;

/** Returns what happened: 'removed', 'trimmed' (other routes kept) or 'absent'. */
export async function forgetSpooled(spool: MailSpool, messageId: string, routes?: string[]): Promise<'removed' | 'trimmed' | 'absent'> {
  if (!SAFE_ID.test(messageId)) return 'absent';
  // Read the one record directly: MailSpool.list() also sweeps half-written
  // files, which would break a save the running runner has in progress.
  let record: SpoolRecord;
  try {
    record = JSON.parse(await readFile(join(spool.dir, `${messageId}.json`), 'utf8')) as SpoolRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  const kept = routes === undefined ? [] : record.deliveries.filter((d) => !routes.includes(d.route));
  if (kept.length === 0) {
    await spool.remove(messageId);
    return 'removed';
  }
  await spool.save({ ...record, deliveries: kept }, await spool.readRaw(messageId));
  return 'trimmed';
}

/** Locally with a data dir: the runner's restart spool entry goes too (or only `routes`' share of it); the line saying so, if any. */
export async function forgetLocally(target: Pick<Target, 'spool'>, id: string, routes: string[] | undefined): Promise<string | undefined> {
  if (!target.spool) return undefined;
  const forgot = await forgetSpooled(target.spool, id, routes);
  if (forgot === 'removed') return `${id}: removed from the local spool (a restart will not restore it)`;
  if (forgot === 'trimmed') return `${id}: removed from the local spool for route ${routes!.join(', ')}; its other routes stay`;
  return undefined;
}
