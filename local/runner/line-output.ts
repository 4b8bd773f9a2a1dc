// Plain lines for a person watching `npm start`: a local time stamp, then
// what happened in words (Postfix's: queued, deferred, delivered, bounced).
// The Lambdas log Powertools JSON; the runner swaps in this log so the same
// engine code reads like a maillog in a terminal.
import type { DeliveryLog, Metrics, StackCountName, StackGaugeName } from '../../lambdas/core/runtime/ports.js';
import type { LineLogger } from '../ses-standin/ports.js';
import { describeCounts } from './run-totals.js';

export type LineWriter = (line: string) => void;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function timeStamp(at: Date = new Date()): string {
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** Writes stamped lines; quiet after close() so late callbacks during a stop print nothing. */
export class LineOutput implements LineLogger {
  private closed = false;

  constructor(
    private readonly write: LineWriter = (line) => process.stdout.write(`${line}\n`),
    private readonly now: () => Date = () => new Date(),
  ) {}

  info(line: string): void {
    if (!this.closed) this.write(`${timeStamp(this.now())} ${line}`);
  }

  warn(line: string): void {
    if (!this.closed) this.write(`${timeStamp(this.now())} warning: ${line}`);
  }

  /** Unstamped, for banners and hints. */
  plain(line: string): void {
    if (!this.closed) this.write(line);
  }

  close(): void {
    this.closed = true;
  }
}

type AttemptEntry = Parameters<DeliveryLog['attempt']>[0];

/** Characters of a dead letter's detail a console line shows. */
const MAX_DETAIL_SHOWN = 300;

/** Engine log messages the runner already says in its own words, or that are noise here. */
const QUIET = new Set(['accepted', 'accept: already indexed', 'primary up', 'primary down', 'dsn sent']);

const formatFields = (fields: Record<string, unknown>) =>
  Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');

/** The engine's DeliveryLog as readable lines; `onAttempt` lets the runner raise events. */
export class LineDeliveryLog implements DeliveryLog {
  constructor(
    private readonly out: LineLogger,
    private readonly onAttempt: (entry: AttemptEntry) => void = () => {},
    private readonly verbose = false,
  ) {}

  attempt(entry: AttemptEntry): void {
    this.onAttempt(entry);
    const held = entry.delaySeconds > 0 ? `, ${entry.delaySeconds} s after it arrived` : '';
    if (entry.status === 'delivered') {
      this.out.info(`delivered ${entry.messageId} to <${entry.recipient}> via ${entry.relay}${held} (${entry.reply})`);
    } else if (entry.status === 'deferred') {
      this.out.info(`deferred ${entry.messageId} <${entry.recipient}>: ${entry.reply}`);
    } else {
      this.out.info(`${entry.status} ${entry.messageId} <${entry.recipient}>: ${entry.reply} (dsn ${entry.dsn})`);
    }
  }

  info(message: string, fields: Record<string, unknown> = {}): void {
    if (message === 'drain finished' || message === 'sweep finished') return this.summary(message, fields);
    if (QUIET.has(message) && !this.verbose) return;
    this.out.info(`${message} ${formatFields(fields)}`.trim());
  }

  warn(message: string, fields: Record<string, unknown> = {}): void {
    if (message === 'dead-lettered') {
      const detail = String(fields.detail);
      // A bounce of many recipients lists each: the whole detail is in `backup-mx show`.
      const shown = detail.length > MAX_DETAIL_SHOWN ? `${detail.slice(0, MAX_DETAIL_SHOWN)}… (see \`backup-mx --local show ${String(fields.messageId)}\`)` : detail;
      return this.out.warn(`dead-lettered ${String(fields.messageId)} (${String(fields.reason)}): ${shown}`);
    }
    this.out.warn(`${message} ${formatFields(fields)}`.trim());
  }

  error(message: string, fields: Record<string, unknown> = {}): void {
    this.out.warn(`error: ${message} ${formatFields(fields)}`.trim());
  }

  /** A drain or sweep that did nothing says nothing (unless verbose). */
  private summary(message: string, fields: Record<string, unknown>): void {
    const counts = describeCounts(fields as Parameters<typeof describeCounts>[0]);
    if (!counts && !this.verbose) return;
    const kind = message === 'drain finished' ? 'drain' : 'sweep';
    this.out.info(`${kind} ${String(fields.route)}: ${counts || 'nothing to do'} (${String(fields.stoppedBecause)})`);
  }
}

type CountName = Parameters<Metrics['count']>[0];

/** Metrics kept in memory: summed per name, shown when the runner stops. */
export class SummaryMetrics implements Metrics {
  readonly totals = new Map<CountName, number>();
  /** Calls the "I'm back" listener refused (as TriggerRefused counts them in AWS). */
  triggerRefused = 0;
  /** Recipient pushes the listener refused (as RecipientPushRefused counts them in AWS). */
  pushRefused = 0;
  /** Each canary's round trip, s (as CanaryRoundTripSeconds records them in AWS). */
  readonly canaryRoundTrips: number[] = [];
  private longestDelaySeconds = 0;

  stackGauge(name: StackGaugeName, value: number): void {
    if (name === 'CanaryRoundTripSeconds') this.canaryRoundTrips.push(value);
  }

  stackCount(name: StackCountName, value: number): void {
    if (name === 'TriggerRefused') this.triggerRefused += value;
    if (name === 'RecipientPushRefused') this.pushRefused += value;
  }

  count(name: CountName, value: number): void {
    if (name === 'PrimaryUp') return; // a gauge, not a total
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }

  delay(seconds: number): void {
    this.longestDelaySeconds = Math.max(this.longestDelaySeconds, seconds);
  }

  /** The queue figures and stop reasons are in the probe's and the drain's log lines already. */
  gauge(): void {}
  drainStopped(): void {}

  flush(): void {}

  /** The longest time a delivered message waited, s. */
  get longestHold(): number {
    return this.longestDelaySeconds;
  }

  /** "delivered 3, deferred 1; longest hold 12 s", or undefined when nothing happened. */
  describe(): string | undefined {
    const parts = [...this.totals].filter(([, n]) => n > 0).map(([name, n]) => `${name.toLowerCase()} ${n}`);
    if (parts.length === 0) return undefined;
    const hold = this.longestDelaySeconds > 0 ? `; longest hold ${this.longestDelaySeconds} s` : '';
    return `${parts.join(', ')}${hold}`;
  }
}
