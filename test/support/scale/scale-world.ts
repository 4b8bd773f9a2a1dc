// The fakes of one scale scenario, wired as the engine wires the real adapters:
// an SQS-like queue with a DLQ (redrive at 1000, 14-day retention), store,
// ledger, index, route state (health, lease, hold), dead letters and DSNs that
// fail at a seeded rate, and every AWS call charging a modelled latency to the
// manual clock. Notifications are compact JSON read by their own parser (the
// NotificationParser port), so 100k of them fit in memory; the envelope still
// comes only from them.
import { Readable } from 'node:stream';
import { FaultInjector, InMemoryMailQueue } from '../../../lambdas/adapters/fakes/index.js';
import type { EngineDeps } from '../../../lambdas/core/drain/drain-deps.js';
import type { InboundMessage, Route, SmtpReply } from '../../../lambdas/core/model.js';
import type { BounceMailer } from '../../../lambdas/core/outcome/ports.js';
import type { DeliveryLog, Metrics } from '../../../lambdas/core/runtime/ports.js';
import type { Envelope, MessageContent, SmtpTransport, SmtpTransportFactory, TransactionResult } from '../../../lambdas/core/drain/ports.js';
import { SeededRandom } from '../chaos/seeded-random.js';
import { engineDeps, fakeWorld, type FakeWorld } from '../world/fake-world.js';

/** Modelled latency of each AWS call, ms (typical in-region figures). */
const LATENCY_MS: Record<string, number> = {
  'queue.receive': 25, 'queue.delete': 12, 'queue.defer': 12, 'queue.enqueue': 15, 'queue.depth': 20,
  'store.open': 35, 'store.size': 20, 'ledger.outcomes': 8, 'ledger.outcomesFor': 8, 'ledger.record': 10, 'ledger.addAttempt': 10,
  'ledger.recordAttempts': 12, 'index.add': 10, 'index.markDone': 10, 'deadLetters.put': 15, 'bounces.send': 80,
  'routeState.hold': 8, 'routeState.health': 8, 'routeState.acquireLease': 10, 'routeState.releaseLease': 10,
};
/** Calls assumed to overlap (the sweep's 4 loops × 10, the drain's 20 in flight): latency is charged divided by this. */
const OVERLAP = 10;

export const ROUTE: Route = {
  name: 'main',
  domains: ['example.com'],
  primary: { host: 'mail.example.com', port: 25, tls: 'none' },
  queueUrl: 'sim://main',
  bouncePolicy: 'dsn',
};

/** What the compact notification holds: the envelope and when SES took it. */
interface CompactNotification {
  id: string;
  t: number;
  s: string;
  r: string[];
}

export function compactNotification(message: { messageId: string; receivedAt: Date; sender: string; recipients: string[] }): string {
  return JSON.stringify({ id: message.messageId, t: message.receivedAt.getTime(), s: message.sender, r: message.recipients } satisfies CompactNotification);
}

/** Parsed notifications by body: the engine parses each queue body on every receive, and the scale run receives millions. */
const parsed = new Map<string, InboundMessage>();

export function parseCompact(body: string): InboundMessage {
  let message = parsed.get(body);
  if (!message) parsed.set(body, (message = parseCompactOnce(body)));
  return message;
}

/** Forgets the parsed notifications of a finished run. */
export function forgetParsed(): void {
  parsed.clear();
}

function parseCompactOnce(body: string): InboundMessage {
  const n = JSON.parse(body) as CompactNotification;
  return {
    messageId: n.id,
    receivedAt: new Date(n.t),
    sender: n.s,
    recipients: n.r,
    bucketName: 'sim',
    objectKey: `inbound/main/${n.id}`,
    verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
  };
}

/** A primary that is down or up; up, it refuses unknown users with 550 and records every delivery. */
export class SimPrimary implements SmtpTransportFactory {
  up = false;
  transactions = 0;
  /** Deliveries per `${messageId} ${recipient}`. */
  readonly delivered = new Map<string, number>();

  constructor(private readonly unknown: Set<string>) {}

  async open(): Promise<SmtpTransport> {
    return {
      send: (envelope, content) => this.send(envelope, content),
      close: async () => undefined,
    };
  }

  private async send(envelope: Envelope, message: MessageContent): Promise<TransactionResult> {
    this.transactions += 1;
    if (!this.up) {
      if (typeof message !== 'function') message.destroy(); // an opener is never called: no session
      const reply: SmtpReply = { text: 'connect ECONNREFUSED', errorCode: 'ECONNECTION' };
      return { connectionFailed: true, afterData: false, replies: envelope.to.map((recipient) => ({ recipient, reply })) };
    }
    const opened = typeof message === 'function' ? await message().catch(() => undefined) : { body: message };
    if (!opened) return { connectionFailed: false, notStarted: true, replies: envelope.to.map((recipient) => ({ recipient, reply: { text: 'not started', errorCode: 'ENOTSTARTED' } })) };
    let head = '';
    for await (const chunk of opened.body) if (head.length < 600) head += (chunk as Buffer).toString('latin1');
    const id = /with ESMTP id ([^\s;]+)/.exec(head)?.[1] ?? '?';
    const ok: SmtpReply = { code: 250, enhanced: '2.0.0', text: 'Ok: queued' };
    const refused: SmtpReply = { code: 550, enhanced: '5.1.1', text: 'User unknown in virtual mailbox table' };
    return {
      connectionFailed: false,
      replies: envelope.to.map((recipient) => {
        if (this.unknown.has(recipient)) return { recipient, reply: refused };
        const key = `${id} ${recipient}`;
        this.delivered.set(key, (this.delivered.get(key) ?? 0) + 1);
        return { recipient, reply: ok };
      }),
    };
  }
}

/** Counts DSNs per message and per (message, recipient) instead of keeping them. */
export class CountingBounceMailer implements BounceMailer {
  sent = 0;
  readonly told = new Map<string, number>();
  faults?: FaultInjector;

  async send(raw: string, _envelope: Envelope): Promise<void> {
    this.faults?.check('bounces.send');
    this.sent += 1;
    const id = /^Message-ID: <dsn\.([^.]+)\./m.exec(raw)?.[1] ?? '?';
    for (const m of raw.matchAll(/^Final-Recipient: rfc822; (.+)$/gm)) {
      const key = `${id} ${m[1]!.trim()}`;
      this.told.set(key, (this.told.get(key) ?? 0) + 1);
    }
  }
}

const quiet: DeliveryLog = { attempt() {}, info() {}, warn() {}, error: (m, f) => void (process.env.SCALE_DEBUG && console.error(m, JSON.stringify(f))) };
const noMetrics: Metrics = { count() {}, delay() {}, gauge() {}, drainStopped() {}, stackGauge() {}, stackCount() {}, flush() {} };

export interface ScaleWorld extends FakeWorld {
  dlq: InMemoryMailQueue;
  bounces: CountingBounceMailer;
  primary: SimPrimary;
  faults: FaultInjector;
  deps: EngineDeps;
}

/** The fake world (fake-world.ts) configured like SQS, failing at a seeded rate, every call charging its latency to the clock. */
export function scaleWorld(options: { seed: number; start: Date; faultRate: number; unknown: Set<string> }): ScaleWorld {
  const world = fakeWorld(options.start);
  const { clock, queue, store, ledger } = world;
  const random = new SeededRandom(options.seed);
  const faults = new FaultInjector({
    random: () => random.next(),
    rates: { '*': options.faultRate },
    // Only our own calls cost time: arrivals (SES, SNS) and the audit run with faults off.
    onCall: (op) => faults.enabled && clock.advance((LATENCY_MS[op] ?? 10) / 1000 / OVERLAP),
  });
  const dlq = new InMemoryMailQueue(clock);
  queue.maxReceiveCount = 1000;
  queue.deadLetterQueue = dlq;
  queue.recordCalls = false;
  // Half of all short polls miss (SQS samples its servers); the engine's receives wait, so none should.
  queue.shortPollMissRate = 0.5;
  queue.random = () => random.next();
  store.recordCalls = false;
  store.chunkSize = 64 * 1024;
  ledger.recordCalls = false;
  const bounces = new CountingBounceMailer();
  for (const fake of [queue, store, ledger, world.index, world.deadLetters, bounces, world.routeState]) fake.faults = faults;
  const primary = new SimPrimary(options.unknown);
  const deps = engineDeps(world, { transports: primary, bounces, log: quiet, metrics: noMetrics, parse: parseCompact });
  return { ...world, dlq, bounces, primary, faults, deps };
}
