// The end-of-run audit of a chaos run: every (message, recipient) pair must
// have exactly one final outcome, and what the ledger says must match what
// the primary really received (byte for byte: our one Received header, then
// the stored message) and what the senders were told (one DSN per bounced or
// expired pair, counted, not merely seen). Returns counts and a list of
// violations (empty when every invariant held).
import type { AttemptRecord, DeadLetterRecord, RecipientOutcome } from '../../../lambdas/core/model.js';
import type { Envelope } from '../../../lambdas/core/drain/ports.js';
import type { Ledger } from '../../../lambdas/core/outcome/ports.js';
import type { ReceivedMessage } from '../../../local/smtp-peer/peer-steps.js';
import type { ChaosMessage } from './chaos-mail.js';

export interface AuditInput {
  messages: ChaosMessage[];
  ledger: Ledger;
  /** What the primary kept (including copies kept after a drop after the dot). */
  received: ReceivedMessage[];
  dsns: { raw: string; envelope: Envelope }[];
  deadLetters: DeadLetterRecord[];
  /** Message ids the drain logged "connection lost after the final dot" for. */
  afterDotWarnings: Set<string>;
  /** Our host name: the `by` of the one Received header the drain prepends. */
  hostname: string;
}

export interface AuditCounts {
  messages: number;
  pairs: number;
  delivered: number;
  bounced: number;
  expired: number;
  deadLettered: number;
  dsns: number;
  deadLetterRecords: number;
  /** Pairs the primary received more than once. */
  duplicates: number;
  /** Pairs named as failed in more than one DSN. */
  duplicateDsns: number;
  /** Expired pairs a copy of which the primary nevertheless kept (unacknowledged, after the dot). */
  expiredButKept: number;
  attempts: number;
}

const FINAL = new Set(['delivered', 'bounced', 'expired', 'dead-lettered']);

/** Our Received header names the SES message id: `with ESMTP id <id>`. */
function idOf(copy: ReceivedMessage): string | undefined {
  return /with ESMTP id ([^\s;]+)/.exec(copy.raw.subarray(0, 400).toString('latin1'))?.[1];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Why `copy` is not exactly our trace header followed by `original`, or
 * undefined when it is. The header is the one core/message/received-header.ts writes:
 * from, by <hostname> with ESMTP id <id>, "for <rcpt>" when the transaction had
 * one recipient (the primary may have refused others of it), then a date.
 */
export function bytesDiffer(copy: ReceivedMessage, original: Buffer, messageId: string, hostname: string): string | undefined {
  if (copy.raw.length < original.length || !copy.raw.subarray(copy.raw.length - original.length).equals(original)) return 'the message bytes after our header differ from the stored ones';
  const prefix = copy.raw.subarray(0, copy.raw.length - original.length).toString('latin1');
  const trace = new RegExp(`^Received: from \\S+\r\n\tby ${escape(hostname)} with ESMTP id ${escape(messageId)}(?:\r\n\tfor <([^\r\n>]+)>)?;\r\n\t[^\r\n]+\r\n$`);
  const match = trace.exec(prefix);
  if (!match) return `the bytes before the message are not exactly our one Received header: ${JSON.stringify(prefix.slice(0, 300))}`;
  if (match[1] !== undefined && !copy.to.includes(match[1])) return `our Received header names <${match[1]}>, not a recipient of this copy`;
  return undefined;
}

export async function auditZeroLoss(input: AuditInput): Promise<{ counts: AuditCounts; violations: string[] }> {
  const violations: string[] = [];
  const fail = (text: string) => violations.length < 50 && violations.push(text);
  const counts: AuditCounts = { messages: input.messages.length, pairs: 0, delivered: 0, bounced: 0, expired: 0, deadLettered: 0, dsns: input.dsns.length, deadLetterRecords: input.deadLetters.length, duplicates: 0, duplicateDsns: 0, expiredButKept: 0, attempts: 0 };

  const copies = new Map<string, ReceivedMessage[]>(); // `${id} ${rcpt}` → copies
  for (const copy of input.received) {
    const id = idOf(copy);
    if (!id) {
      fail(`primary received a message without our Received header (${copy.queueId})`);
      continue;
    }
    for (const to of copy.to) copies.set(`${id} ${to}`, [...(copies.get(`${id} ${to}`) ?? []), copy]);
  }
  const dsnCounts = new Map<string, number>(); // `${id} ${rcpt}` → failure DSNs naming the pair (delay warnings aside)
  for (const dsn of input.dsns) {
    const id = /^Message-ID: <dsn\.([^.]+)\./m.exec(dsn.raw)?.[1];
    if (!id) fail('a DSN without our Message-ID');
    for (const m of dsn.raw.matchAll(/^Final-Recipient: rfc822; (\S+)\r?\nAction: failed/gm)) {
      const key = `${id ?? ''} ${m[1]!}`;
      dsnCounts.set(key, (dsnCounts.get(key) ?? 0) + 1);
    }
  }
  const deadByMessage = new Map<string, DeadLetterRecord[]>();
  for (const record of input.deadLetters) deadByMessage.set(record.messageId, [...(deadByMessage.get(record.messageId) ?? []), record]);

  for (const message of input.messages) {
    const outcomes = await input.ledger.outcomes(message.messageId);
    const attempts = await input.ledger.attempts(message.messageId);
    counts.attempts += attempts.length;
    const byId = new Map<string, ReceivedMessage[]>();
    for (const recipient of message.recipients) {
      counts.pairs += 1;
      const pair = `${message.messageId} <${recipient}>`;
      const outcome: RecipientOutcome | undefined = outcomes.get(recipient);
      const got = copies.get(`${message.messageId} ${recipient}`) ?? [];
      byId.set(recipient, got);
      const tries = attempts.filter((a: AttemptRecord) => a.recipient === recipient);
      const finalTries = tries.filter((a) => a.state === 'delivered' || a.state === 'bounced');
      if (!outcome || !FINAL.has(outcome.state)) {
        fail(`${pair}: no final outcome (state ${outcome?.state ?? 'none'})`);
        continue;
      }
      if (got.length > 1) counts.duplicates += 1;
      switch (outcome.state) {
        case 'delivered':
          counts.delivered += 1;
          if (finalTries.length !== 1 || finalTries[0]!.state !== 'delivered') fail(`${pair}: delivered but final attempts are ${finalTries.map((a) => a.state).join(',') || 'none'}`);
          if (!got.some((c) => !c.droppedAfterDot)) fail(`${pair}: recorded delivered but the primary never acknowledged a copy`);
          break;
        case 'bounced':
          counts.bounced += 1;
          if (finalTries.length !== 1 || finalTries[0]!.state !== 'bounced') fail(`${pair}: bounced but final attempts are ${finalTries.map((a) => a.state).join(',') || 'none'}`);
          if (got.length > 0) fail(`${pair}: recorded bounced but the primary received it`);
          break;
        case 'expired':
          counts.expired += 1;
          if (finalTries.length !== 0) fail(`${pair}: expired after a final attempt (${finalTries.map((a) => a.state).join(',')})`);
          if (got.length > 0) counts.expiredButKept += 1;
          break;
        case 'dead-lettered':
          counts.deadLettered += 1;
          if (got.length > 0) fail(`${pair}: dead-lettered but the primary received it`);
          if (!message.quarantine) fail(`${pair}: dead-lettered without a reason to be`);
          break;
      }
      if (message.quarantine && outcome.state !== 'dead-lettered') fail(`${pair}: virus FAIL but ${outcome.state}`);
      const dsnsNaming = dsnCounts.get(`${message.messageId} ${recipient}`) ?? 0;
      if (dsnsNaming > 1) {
        counts.duplicateDsns += 1;
        fail(`${pair}: named in ${dsnsNaming} DSNs (the sender was told more than once)`);
      }
      if (dsnsNaming > 0 && outcome.state !== 'bounced' && outcome.state !== 'expired') fail(`${pair}: a DSN names it, though it is ${outcome.state}`);
      if (outcome.state === 'bounced' || outcome.state === 'expired') {
        const told = dsnsNaming > 0;
        const dead = (deadByMessage.get(message.messageId) ?? []).some(
          (r) => r.route === message.route && (r.reason === 'bounced' || r.reason === 'expired') && r.detail.includes(`<${recipient}>`),
        );
        const expected = message.notices[outcome.state];
        // A DSN past the route's hourly budget is held for the operator, recorded as such.
        if (expected === 'dsn' && !told && outcome.noticeResult?.kind !== 'held') fail(`${pair}: ${outcome.state} but no DSN names it`);
        if (expected === 'dead-letter' && !dead) fail(`${pair}: ${outcome.state} but no dead-letter record names it`);
        if (expected !== 'dsn' && told) fail(`${pair}: a DSN went out although policy says ${expected}`);
        if (expected === 'suppressed' && (dead || outcome.noticeResult?.kind !== 'suppressed')) fail(`${pair}: ${outcome.state}, notice ${outcome.noticeResult?.kind ?? 'unrecorded'}${dead ? ' and dead-lettered' : ''}, though policy says suppressed`);
      }
    }
    if ((deadByMessage.get(message.messageId) ?? []).some((r) => r.reason === 'virus') !== message.quarantine) fail(`${message.messageId}: quarantine record mismatch`);
    for (const [recipient, got] of byId) {
      for (const copy of got) {
        if (copy.from !== message.sender) fail(`${message.messageId} <${recipient}>: MAIL FROM <${copy.from}>, expected <${message.sender}>`);
        const differ = bytesDiffer(copy, message.raw, message.messageId, input.hostname);
        if (differ) fail(`${message.messageId} <${recipient}>: bytes changed in transit (${differ})`);
      }
      if (got.length > 1 && !input.afterDotWarnings.has(message.messageId)) fail(`${message.messageId} <${recipient}>: received ${got.length} times without a lost reply after the dot`);
    }
  }
  return { counts, violations };
}
