// recordAttempts stores the same rows as record + addAttempt would, on the
// real adapter (dynalite) and on the fake alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryLedger } from '../../../lambdas/adapters/fakes/index.js';
import { DynamoLedger } from '../../../lambdas/adapters/aws/dynamo-ledger.js';
import type { AttemptRecord, RecipientOutcome } from '../../../lambdas/core/model.js';
import type { Ledger } from '../../../lambdas/core/outcome/ports.js';
import { startEmulatorEnv, type EmulatorEnv } from '../../support/aws/emulator-env.js';

let env: EmulatorEnv;
beforeAll(async () => {
  env = await startEmulatorEnv();
});
afterAll(async () => {
  await env?.stop();
});

const at = new Date('2026-01-05T10:00:00.000Z');
const ok = { code: 250, enhanced: '2.0.0', text: 'Ok: queued' };
const busy = { code: 451, enhanced: '4.3.0', text: 'try later' };
const gone = { code: 550, enhanced: '5.1.1', text: 'no such user' };
const attempt = (messageId: string, recipient: string, state: AttemptRecord['state'], reply: AttemptRecord['reply']): AttemptRecord => ({ messageId, recipient, at, relay: 'mx:25', state, reply, delaySeconds: 7 });
const outcome = (recipient: string, state: RecipientOutcome['state'], reply: RecipientOutcome['reply']): RecipientOutcome => ({ recipient, state, reply, attempts: 2, updatedAt: at });

const subjects: [string, () => Ledger][] = [
  ['DynamoLedger', () => new DynamoLedger(env.clients.doc, env.resources.tableName)],
  ['InMemoryLedger', () => new InMemoryLedger()],
];

describe.each(subjects)('%s.recordAttempts', (_name, make) => {
  it('stores each outcome and attempt of one transaction', async () => {
    const ledger = make();
    const id = `batch-${env.unique()}`;
    await ledger.recordAttempts!(id, [
      { outcome: outcome('a@example.com', 'delivered', ok), attempt: attempt(id, 'a@example.com', 'delivered', ok) },
      { outcome: outcome('b@example.com', 'deferred', busy), attempt: attempt(id, 'b@example.com', 'deferred', busy) },
      { attempt: attempt(id, 'c@example.com', 'bounced', gone) },
    ]);
    const outcomes = await ledger.outcomes(id);
    expect([...outcomes.keys()].sort()).toEqual(['a@example.com', 'b@example.com']);
    expect(outcomes.get('a@example.com')).toEqual(outcome('a@example.com', 'delivered', ok));
    expect(outcomes.get('b@example.com')).toEqual(outcome('b@example.com', 'deferred', busy));
    const attempts = await ledger.attempts(id);
    expect(attempts.map((a) => [a.recipient, a.state]).sort()).toEqual([['a@example.com', 'delivered'], ['b@example.com', 'deferred'], ['c@example.com', 'bounced']]);
    expect(attempts.find((a) => a.recipient === 'c@example.com')).toEqual(attempt(id, 'c@example.com', 'bounced', gone));
  });

  it('handles more than one batch worth of recipients, and a recipient named twice', async () => {
    const ledger = make();
    const id = `batch-${env.unique()}`;
    const recipients = Array.from({ length: 30 }, (_, i) => `r${i}@example.com`);
    await ledger.recordAttempts!(id, [
      ...recipients.map((r) => ({ outcome: outcome(r, 'deferred', busy), attempt: attempt(id, r, 'deferred', busy) })),
      { outcome: outcome('r0@example.com', 'delivered', ok), attempt: attempt(id, 'r0@example.com', 'delivered', ok) },
    ]);
    const outcomes = await ledger.outcomes(id);
    expect(outcomes.size).toBe(30);
    expect(outcomes.get('r0@example.com')!.state).toBe('delivered'); // the later write wins, as with record()
  });
});
