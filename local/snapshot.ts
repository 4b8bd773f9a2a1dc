// Restart durability for the local backup MX.
//
// fauxqs keeps S3 objects, topics and queue messages in memory only; dynalite
// (with a data dir) keeps the DynamoDB table on disk. So the SES stand-in
// writes every accepted message to a spool on disk BEFORE it answers 250:
//
//   <dataDir>/spool/<messageId>.eml   the stored bytes (SES headers + client bytes)
//   <dataDir>/spool/<messageId>.json  per route: topic, bucket, key, recipients and
//                                     the exact notification it published
//
//   <dataDir>/spool/index.jsonl       which messages an earlier start found finished
//                                     (local/spool-index.ts)
//
// Each file is written to a temporary name, fsynced and renamed, the .json
// last: its presence is the commit. At start, restoreSpool() re-publishes the
// notification of every route whose recipients are not all final in the
// ledger (DynamoDB), with its object put back into S3, so the drain picks it
// up again; recipients already delivered are skipped by the drain's ledger as
// usual. Finished messages are not loaded: only dead letters (for show and
// requeue) get their object back, and those an earlier start found finished
// are not even opened unless queued again.
//
// What survives a restart (SIGTERM or kill -9):
//   - every message that got a 250: raw bytes, envelope, notification, and
//     (with a persistent ledger) which recipients are already final;
//   - delivery history, health, holds, dead-letter records (DynamoDB on disk).
// What does not: queue positions and backoff timers (re-published messages
// are retried on the next drain), the DLQ's copies (the dead-letter records
// in DynamoDB and the spooled raw bytes remain). A crash between the spool
// write and the 250 can duplicate a message (the client retries); nothing
// that got a 250 is lost.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FINAL_STATES } from '../lambdas/core/model.js';
import type { Ledger } from '../lambdas/core/outcome/ports.js';
import type { LineLogger, NotificationPublisher, RawMessageWriter } from './ses-standin/ports.js';
import { SpoolIndex, SPOOL_INDEX_FILE, type SpoolIndexEntry } from './spool-index.js';
import { plural } from './words.js';

/** One route's share of a spooled message: what was stored and published for it. */
export interface SpooledDelivery {
  route: string;
  topicArn: string;
  bucketName: string;
  objectKey: string;
  recipients: string[];
  /** The notification exactly as published (JSON text). */
  notification: string;
}

export interface SpoolRecord {
  version: 1;
  messageId: string;
  /** ISO time SES (the stand-in) accepted it. */
  receivedAt: string;
  sender: string;
  size: number;
  deliveries: SpooledDelivery[];
}

export class SpoolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpoolError';
  }
}

const ID_PATTERN = /^[A-Za-z0-9._-]+$/;

export class MailSpool {
  readonly index: SpoolIndex;

  constructor(readonly dir: string) {
    this.index = new SpoolIndex(dir);
  }

  /** The spool under BACKUPMX_DATA_DIR. */
  static inDataDir(dataDir: string): MailSpool {
    return new MailSpool(join(dataDir, 'spool'));
  }

  /** Durably records an accepted message; resolves only once both files are on disk. */
  async save(record: SpoolRecord, raw: Buffer): Promise<void> {
    if (!ID_PATTERN.test(record.messageId)) throw new SpoolError(`unsafe message id: ${record.messageId}`);
    await mkdir(this.dir, { recursive: true });
    await this.writeDurably(`${record.messageId}.eml`, raw);
    await this.writeDurably(`${record.messageId}.json`, Buffer.from(JSON.stringify(record)));
    // Best effort: a start finds a committed record the index misses by its file name.
    await this.index.saved(record.messageId, record.receivedAt).catch(() => undefined);
  }

  /**
   * Every committed message as the index knows it, oldest first, without
   * opening the records: the directory listing says what exists, the index
   * when each arrived and whether it was found finished. Drops leftovers of
   * interrupted writes, as list() does.
   */
  async entries(): Promise<SpoolIndexEntry[]> {
    const committed = await this.committedIds();
    const indexed = await this.index.read();
    const entries: SpoolIndexEntry[] = [];
    for (const id of committed) {
      const known = indexed.get(id);
      if (known?.receivedAt) entries.push(known);
      else entries.push({ id, receivedAt: (await this.read(id)).receivedAt, done: known?.done ?? false });
    }
    return entries.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }

  async read(messageId: string): Promise<SpoolRecord> {
    return JSON.parse(await readFile(join(this.dir, `${messageId}.json`), 'utf8')) as SpoolRecord;
  }

  /** Committed records, oldest first (each one read: entries() is the cheap way). */
  async list(): Promise<SpoolRecord[]> {
    const records: SpoolRecord[] = [];
    for (const id of await this.committedIds()) records.push(await this.read(id));
    return records.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }

  /** Ids with a committed .json; removes leftovers of interrupted writes on the way. */
  private async committedIds(): Promise<Set<string>> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
      throw error;
    }
    const committed = new Set(names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5)));
    for (const name of names) {
      if (name === SPOOL_INDEX_FILE) continue;
      const orphan = name.endsWith('.tmp') || (name.endsWith('.eml') && !committed.has(name.slice(0, -4)));
      if (orphan) await rm(join(this.dir, name), { force: true });
    }
    return committed;
  }

  async readRaw(messageId: string): Promise<Buffer> {
    return readFile(join(this.dir, `${messageId}.eml`));
  }

  /** Forgets a message: the commit marker first, so a crash midway leaves only an orphan. */
  async remove(messageId: string): Promise<void> {
    await rm(join(this.dir, `${messageId}.json`), { force: true });
    await rm(join(this.dir, `${messageId}.eml`), { force: true });
  }

  private async writeDurably(name: string, bytes: Buffer): Promise<void> {
    const tmp = join(this.dir, `${name}.${randomUUID().slice(0, 8)}.tmp`);
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(this.dir, name));
    await this.syncDirectory();
  }

  /** The rename itself must reach the disk before we answer 250 (Linux, macOS). */
  private async syncDirectory(): Promise<void> {
    let dir;
    try {
      dir = await open(this.dir, 'r');
      await dir.sync();
    } catch (error) {
      // Windows cannot open or fsync a directory; its renames are durable enough there.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
    } finally {
      await dir?.close();
    }
  }
}

/** True when every recipient of this route's share is in a final state. */
export type FinishedCheck = (messageId: string, delivery: SpooledDelivery) => Promise<boolean>;

/** Asks the delivery ledger (DynamoDB, which persists) whether a share is finished. */
export function finishedByLedger(ledger: Ledger): FinishedCheck {
  return async (messageId, delivery) => {
    const outcomes = await ledger.outcomes(messageId);
    return delivery.recipients.every((recipient) => {
      const state = outcomes.get(recipient)?.state;
      return state !== undefined && FINAL_STATES.includes(state);
    });
  };
}

export interface RestoreOptions {
  store: RawMessageWriter;
  publish: NotificationPublisher;
  /** Without it every share counts as unfinished: the ledger still prevents re-delivery. */
  isFinished?: FinishedCheck;
  /**
   * Messages found finished by an earlier start are skipped unless listed here
   * (queued again by a requeue, say). Without it every message is looked at.
   */
  recheck?: ReadonlySet<string>;
  /**
   * Finished messages whose raw bytes go back into S3 (dead letters, for show
   * and requeue). Without it, every finished message's do.
   */
  keepRaw?: ReadonlySet<string>;
  /** The current topic of a route (ARNs may differ after a restart); the spooled one when absent. */
  topicArnFor?: (route: string) => string | undefined;
  logger?: LineLogger;
  /** One line per message put back (BACKUPMX_VERBOSE=1); otherwise the caller prints a summary. */
  verbose?: boolean;
  now?: () => Date;
  /** Finished messages older than this leave the spool (default 30 days, the table's TTL). */
  retainFinishedSeconds?: number;
}

export interface RestoreReport {
  restored: number;
  republished: number;
  pruned: number;
  /** Finished at an earlier start: not opened at all. */
  skipped: number;
  /** Deliveries published again, by route (what the summary line lists). */
  byRoute: Record<string, number>;
}

/** Puts the spooled mail back into S3 and the route queues after a restart. */
export async function restoreSpool(spool: MailSpool, options: RestoreOptions): Promise<RestoreReport> {
  const now = options.now ?? (() => new Date());
  const retainMs = (options.retainFinishedSeconds ?? 30 * 86_400) * 1000;
  const report: RestoreReport = { restored: 0, republished: 0, pruned: 0, skipped: 0, byRoute: {} };
  /** Messages kept in the spool because their route is gone, by route: one warning each, not one per message. */
  const unconfigured = new Map<string, number>();
  const entries = await spool.entries();
  const kept: SpoolIndexEntry[] = [];
  for (const entry of entries) {
    const age = now().getTime() - Date.parse(entry.receivedAt);
    if (entry.done && options.recheck && !options.recheck.has(entry.id)) {
      if (age > retainMs) {
        await spool.remove(entry.id);
        report.pruned++;
      } else {
        kept.push(entry);
        report.skipped++;
      }
      continue;
    }
    const record = await spool.read(entry.id);
    const pending: SpooledDelivery[] = [];
    for (const delivery of record.deliveries) {
      const finished = options.isFinished ? await options.isFinished(record.messageId, delivery) : false;
      if (!finished) pending.push(delivery);
    }
    if (pending.length === 0 && age > retainMs) {
      await spool.remove(record.messageId);
      report.pruned++;
      continue;
    }
    kept.push({ ...entry, done: pending.length === 0 });
    if (pending.length === 0 && options.keepRaw && !options.keepRaw.has(record.messageId)) continue;
    // Objects come back for finished shares only when asked: dead-lettered mail keeps its raw bytes.
    const raw = await spool.readRaw(record.messageId);
    for (const delivery of record.deliveries) await options.store.put(delivery.objectKey, raw);
    report.restored++;
    for (const delivery of pending) {
      const topicArn = options.topicArnFor ? options.topicArnFor(delivery.route) : delivery.topicArn;
      if (!topicArn) {
        unconfigured.set(delivery.route, (unconfigured.get(delivery.route) ?? 0) + 1);
        if (options.verbose) options.logger?.warn(`spool: ${record.messageId} names route ${delivery.route}, which is no longer configured; kept in the spool`);
        continue;
      }
      await options.publish(topicArn, delivery.notification);
      report.republished++;
      report.byRoute[delivery.route] = (report.byRoute[delivery.route] ?? 0) + 1;
      if (options.verbose) {
        options.logger?.info(`requeued ${record.messageId} for route ${delivery.route} (${plural(delivery.recipients.length, 'recipient')}) from the spool`);
      }
    }
  }
  for (const [route, count] of unconfigured) {
    options.logger?.warn(`spool: ${plural(count, 'message')} ${count === 1 ? 'names' : 'name'} route ${route}, which is no longer configured; kept in the spool until the route is back`);
  }
  // Compacted: one line per message still spooled, with what this start learnt.
  if (entries.length > 0) await spool.index.rewrite(kept).catch((error: Error) => options.logger?.warn(`spool: could not rewrite its index: ${error.message}`));
  return report;
}
