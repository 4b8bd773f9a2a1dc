// The queue's shape, as Postfix's qshape draws it: how many messages (or
// recipients) wait per domain, in age buckets that double in width — the
// picture that tells a backlog from one spammer's flood, or a domain whose
// mail has waited for hours. Pure: the selection (select-messages.ts) and the
// clock come in, a table goes out; the CLI and the console only print it.
import { FINAL_STATES } from '../model.js';
import type { SelectedMessage } from './select-messages.js';

export type ShapeBy = 'sender' | 'recipient';
export const SHAPE_BY: readonly ShapeBy[] = ['sender', 'recipient'];

/** qshape's defaults: the first bucket 5 minutes wide, 10 buckets, each twice the previous, the last open. */
const FIRST_BUCKET_MINUTES = 5;
const BUCKETS = 10;
export const SHAPE_TOP_ROWS = 20;

/** The row of a null sender (<>), named as qshape names it. */
export const NULL_SENDER_ROW = 'MAILER-DAEMON';
export const OTHER_ROW = 'other domains';
export const TOTAL_ROW = 'TOTAL';

export interface ShapeBucket {
  /** "0-5m", ..., "640-1280m", "1280m+". */
  label: string;
  /** Inclusive lower bound, in minutes. */
  fromMinutes: number;
  /** Exclusive upper bound, in minutes; undefined for the last, open bucket. */
  toMinutes?: number;
}

export interface ShapeRow {
  /** A domain, MAILER-DAEMON, "other domains" or TOTAL. */
  name: string;
  total: number;
  /** One count per bucket, in the order of QueueShape.buckets. */
  counts: number[];
}

export interface QueueShape {
  by: ShapeBy;
  /** What is counted: a sender shape counts messages, a recipient shape each waiting recipient. */
  unit: 'messages' | 'recipients';
  buckets: ShapeBucket[];
  /** The top domains by total, most first (ties by name). */
  rows: ShapeRow[];
  /** The domains beyond the top ones, summed; absent when there are none. */
  other?: ShapeRow & { domains: number };
  total: ShapeRow;
  /** Messages with no known receive time: counted in no bucket and no row (the selection gives dead letters their record's time, so this is rare). */
  undated: number;
}

/** The buckets' bounds: [0,5), [5,10), [10,20), ... [640,1280), [1280,∞). */
export const SHAPE_BUCKETS: readonly ShapeBucket[] = Array.from({ length: BUCKETS }, (_, i) => {
  const from = i === 0 ? 0 : FIRST_BUCKET_MINUTES * 2 ** (i - 1);
  if (i === BUCKETS - 1) return { label: `${from}m+`, fromMinutes: from };
  return { label: `${from}-${FIRST_BUCKET_MINUTES * 2 ** i}m`, fromMinutes: from, toMinutes: FIRST_BUCKET_MINUTES * 2 ** i };
});

/**
 * The bucket of an age. A bucket holds its lower edge and not its upper one,
 * as qshape's does (its `bucket` sub: under one bucket time is the first
 * bucket, else 2 + int(log2(age / bucket time))): a message exactly 5 minutes
 * old is in 5-10m, exactly 1280 minutes old in 1280m+. A receive time in the
 * future (a skewed clock) counts as new.
 */
export function bucketOf(ageMs: number): number {
  const minutes = ageMs / 60_000;
  // Compared with the bounds rather than through log2, so an edge is never lost to rounding.
  for (let i = BUCKETS - 1; i > 0; i--) if (minutes >= SHAPE_BUCKETS[i]!.fromMinutes) return i;
  return 0;
}

/** The domain a row is named by: lower case, no trailing dot; <> is MAILER-DAEMON. */
export function domainOf(address: string): string {
  if (address === '') return NULL_SENDER_ROW;
  const at = address.lastIndexOf('@');
  const domain = (at < 0 ? address : address.slice(at + 1)).toLowerCase().replace(/\.+$/, '');
  return domain === '' ? '(no domain)' : domain;
}

/** The addresses a message adds to the shape: its sender, or each recipient still waiting. */
function addressesOf(message: SelectedMessage, by: ShapeBy): string[] {
  if (by === 'sender') return [message.sender];
  // A queued message's delivered (or bounced) recipients no longer wait: only the others count.
  // A dead letter's recipients all wait for a person.
  const views = message.state === 'queued' ? message.queued?.recipients : undefined;
  if (views && views.length > 0) return views.filter((r) => !FINAL_STATES.includes(r.state)).map((r) => r.address);
  return message.recipients;
}

export function queueShape(messages: readonly SelectedMessage[], now: Date, by: ShapeBy = 'sender', top = SHAPE_TOP_ROWS): QueueShape {
  const perDomain = new Map<string, number[]>();
  const total = emptyRow(TOTAL_ROW);
  let undated = 0;
  for (const message of messages) {
    if (!message.receivedAt) {
      undated++;
      continue;
    }
    const bucket = bucketOf(now.getTime() - message.receivedAt.getTime());
    for (const address of addressesOf(message, by)) {
      const domain = domainOf(address);
      const counts = perDomain.get(domain) ?? new Array<number>(BUCKETS).fill(0);
      counts[bucket]!++;
      perDomain.set(domain, counts);
      total.counts[bucket]!++;
      total.total++;
    }
  }
  const all = [...perDomain.entries()]
    .map(([name, counts]) => ({ name, counts, total: counts.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rest = all.slice(Math.max(0, top));
  const shape: QueueShape = {
    by,
    unit: by === 'sender' ? 'messages' : 'recipients',
    buckets: SHAPE_BUCKETS.map((b) => ({ ...b })),
    rows: all.slice(0, Math.max(0, top)),
    total,
    undated,
  };
  if (rest.length > 0) {
    const other = { ...emptyRow(OTHER_ROW), domains: rest.length };
    for (const row of rest) {
      other.total += row.total;
      row.counts.forEach((n, i) => (other.counts[i]! += n));
    }
    shape.other = other;
  }
  return shape;
}

function emptyRow(name: string): ShapeRow {
  return { name, total: 0, counts: new Array<number>(BUCKETS).fill(0) };
}
