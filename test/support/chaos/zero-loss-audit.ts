// The end-of-run audit of a chaos run: every (message, recipient) pair must
// have exactly one final outcome, and what the ledger says must match what
// the primary really received and what the senders were told. Returns counts
// and a list of violations (empty when every invariant held).
import type { AttemptRecord, DeadLetterRecord, RecipientOutcome } from '../../../lambdas/core/model.js';
import type { Envelope, Ledger } from '../../../lambdas/core/ports.js';
import type { ReceivedMessage } from '../scripted-primary.js';
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
  /** Expired pairs a copy of which the primary nevertheless kept (unacknowledged, after the dot). */
  expiredButKept: number;
  attempts: number;
}

const FINAL = new Set(['delivered', 'bounced', 'expired', 'dead-lettered']);

/** Our Received header names the SES message id: `with ESMTP id <id>`. */
function idOf(copy: ReceivedMessage): string | undefined {
  return /with ESMTP id ([^\s;]+)/.exec(copy.raw.subarray(0, 400).toString('latin1'))?.[1];
}

export async function auditZeroLoss(input: AuditInput): Promise<{ counts: AuditCounts; violations: string[] }> {
  const violations: string[] = [];
  const fail = (text: string) => violations.length < 50 && violations.push(text);
  const counts: AuditCounts = { messages: input.messages.length, pairs: 0, delivered: 0, bounced: 0, expired: 0, deadLettered: 0, dsns: input.dsns.length, deadLetterRecords: input.deadLetters.length, duplicates: 0, expiredButKept: 0, attempts: 0 };

  const copies = new Map<string, ReceivedMessage[]>(); // `${id} ${rcpt}` → copies
  for (const copy of input.received) {
    const id = idOf(copy);
    if (!id) {
      fail(`primary received a message without our Received header (${copy.queueId})`);
      continue;
    }
    for (const to of copy.to) copies.set(`${id} ${to}`, [...(copies.get(`${id} ${to}`) ?? []), copy]);
  }
  const dsnRecipients = new Map<string, Set<string>>(); // message id → Final-Recipients told
  for (const dsn of input.dsns) {
    const id = /^Message-ID: <dsn\.([^.]+)\./m.exec(dsn.raw)?.[1];
    if (!id) fail('a DSN without our Message-ID');
    const told = dsnRecipients.get(id ?? '') ?? new Set<string>();
    for (const m of dsn.raw.matchAll(/^Final-Recipient: rfc822; (\S+)/gm)) told.add(m[1]!);
    dsnRecipients.set(id ?? '', told);
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
      if (outcome.state === 'bounced' || outcome.state === 'expired') {
        const told = dsnRecipients.get(message.messageId)?.has(recipient) ?? false;
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
        const tail = copy.raw.subarray(copy.raw.length - message.raw.length);
        if (!tail.equals(message.raw) || !copy.raw.subarray(0, 10).equals(Buffer.from('Received: '))) fail(`${message.messageId}: bytes changed in transit`);
      }
      if (got.length > 1 && !input.afterDotWarnings.has(message.messageId)) fail(`${message.messageId} <${recipient}>: received ${got.length} times without a lost reply after the dot`);
    }
  }
  return { counts, violations };
}
