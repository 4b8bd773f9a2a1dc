// The canary is recognised by what a sender cannot forge: a Subject MAC made
// with the stack's key, on a message whose every envelope recipient is the
// canary address. The accept step measures a real one (round trip, not
// indexed) and indexes anything else like any mail, a forged one included.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InMemoryCanaryKey, InMemoryMessageIndex, InMemoryMessageStore, ManualClock, RecordingDeliveryLog, RecordingMetrics } from '../../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { AcceptMessage } from '../../../../lambdas/core/accept/accept-message.js';
import { canarySubject, verifyCanarySubject } from '../../../../lambdas/core/canary/canary-token.js';
import { CanaryRecogniser } from '../../../../lambdas/core/canary/recognise-canary.js';
import { sesNotification } from '../../../support/aws/ses-events.js';

const ADDRESS = 'canary@canary.example.com';
const sentAt = new Date('2026-01-05T10:00:00.000Z');

function setup() {
  const keys = new InMemoryCanaryKey();
  keys.value = randomBytes(32);
  const recogniser = new CanaryRecogniser(keys, { address: ADDRESS, route: 'main' });
  const index = new InMemoryMessageIndex();
  const metrics = new RecordingMetrics();
  const log = new RecordingDeliveryLog();
  const clock = new ManualClock('2026-01-05T10:00:02.500Z');
  const accept = new AcceptMessage({ index, store: new InMemoryMessageStore(), parse: parseSesNotification, log, clock, canary: recogniser, metrics });
  return { keys, recogniser, index, metrics, log, clock, accept, subject: canarySubject(keys.value, ADDRESS, sentAt) };
}

describe('the canary token (Subject MAC)', () => {
  const key = randomBytes(32);

  it('verifies with the key and address it was made for, and gives back when it was sent', () => {
    expect(verifyCanarySubject(key, ADDRESS, canarySubject(key, ADDRESS, sentAt))).toEqual(sentAt);
    // SES compares addresses case-insensitively; so does the MAC.
    expect(verifyCanarySubject(key, 'Canary@Canary.Example.com', canarySubject(key, ADDRESS, sentAt))).toEqual(sentAt);
  });

  it('fits one unfolded header line (under 78 characters with "Subject: "), and survives a hop that folds it anyway', () => {
    const subject = canarySubject(key, ADDRESS, sentAt);
    expect(`Subject: ${subject}`.length).toBeLessThan(78);
    expect(verifyCanarySubject(key, ADDRESS, subject.replace(/ (?=[0-9a-f]{32}$)/, '\r\n '))).toEqual(sentAt);
  });

  it.each([
    ['another key', (s: string) => s, randomBytes(32), ADDRESS],
    ['another stack\'s canary address', (s: string) => s, key, 'canary@canary.example.org'],
    ['a changed time (a replay made to look fresh)', (s: string) => s.replace(String(sentAt.getTime()), String(sentAt.getTime() + 3_600_000)), key, ADDRESS],
    ['a changed MAC digit', (s: string) => s.replace(/.$/, (c) => (c === '0' ? '1' : '0')), key, ADDRESS],
    ['the bare prefix', () => 'backup-mx canary v1', key, ADDRESS],
    ['upper-case hex', (s: string) => s.toUpperCase(), key, ADDRESS],
  ])('refuses %s', (_what, change, verifyKey, address) => {
    expect(verifyCanarySubject(verifyKey, address, change(canarySubject(key, ADDRESS, sentAt)))).toBeUndefined();
  });
});

describe('CanaryRecogniser', () => {
  it('recognises a signed message to the canary address alone', async () => {
    const { recogniser, subject } = setup();
    expect(await recogniser.sentAt({ recipients: [ADDRESS], subject })).toEqual(sentAt);
    expect(await recogniser.sentAt({ recipients: ['CANARY@canary.example.com'], subject })).toEqual(sentAt);
  });

  it('never takes a message with a real recipient for a canary, even with a genuine Subject (a replay onto real mail)', async () => {
    const { recogniser, subject, keys } = setup();
    expect(await recogniser.sentAt({ recipients: [ADDRESS, 'bob@example.com'], subject })).toBeUndefined();
    expect(await recogniser.sentAt({ recipients: ['bob@example.com'], subject })).toBeUndefined();
    // Decided on the envelope alone: the key is not even read.
    expect(keys.reads).toBe(0);
  });

  it('reads the key only for a message that could be a canary, and takes nothing for one while no key exists', async () => {
    const { recogniser, subject, keys } = setup();
    expect(await recogniser.sentAt({ recipients: [ADDRESS], subject: 'hello' })).toBeUndefined();
    expect(keys.reads).toBe(0);
    keys.value = undefined;
    expect(await recogniser.sentAt({ recipients: [ADDRESS], subject })).toBeUndefined();
    expect(keys.reads).toBe(1);
  });

  it('rejects when the key cannot be read (the caller retries; it never guesses)', async () => {
    const { recogniser, subject, keys } = setup();
    keys.fail = new Error('ProvisionedThroughputExceededException');
    await expect(recogniser.sentAt({ recipients: [ADDRESS], subject })).rejects.toThrow(/Throughput/);
  });
});

describe('AcceptMessage and the canary', () => {
  it('a canary publishes its round trip (stack-wide) and is not indexed: it is no mail, and waits for nobody', async () => {
    const { accept, index, metrics, subject, log } = setup();
    const body = sesNotification({ messageId: 'canary1', recipients: [ADDRESS], sender: ADDRESS, subject });
    expect(await accept.accept('main', body)).toEqual({ outcome: 'canary', messageId: 'canary1', roundTripSeconds: 2.5 });
    expect(metrics.stackGauges).toEqual([{ name: 'CanaryRoundTripSeconds', value: 2.5 }]);
    expect(await index.find('canary1')).toEqual([]);
    expect(log.lines.map((l) => l.message)).toContain('canary arrived');
  });

  it('a clock a little behind the sender\'s reads as 0 s, never a negative round trip', async () => {
    const { accept, metrics, subject, clock } = setup();
    clock.set('2026-01-05T09:59:59.000Z');
    await accept.accept('main', sesNotification({ messageId: 'early', recipients: [ADDRESS], subject }));
    expect(metrics.stackGauges).toEqual([{ name: 'CanaryRoundTripSeconds', value: 0 }]);
  });

  it('a forged canary (the canary address, a Subject the key did not sign) is indexed like any mail, with a warning, and measures nothing', async () => {
    const { accept, index, metrics, log } = setup();
    const forged = `backup-mx canary v1 ${sentAt.getTime()} ${'0'.repeat(32)}`;
    const body = sesNotification({ messageId: 'forged1', recipients: [ADDRESS], subject: forged });
    expect(await accept.accept('main', body)).toEqual({ outcome: 'indexed', messageId: 'forged1' });
    expect((await index.find('forged1')).map((s) => s.state)).toEqual(['queued']);
    expect(metrics.stackGauges).toEqual([]);
    expect(log.lines.find((l) => l.level === 'warn')?.message).toMatch(/canary address without a valid canary signature/);
  });

  it('a genuine canary Subject on mail to a real recipient is indexed like any mail', async () => {
    const { accept, index, metrics, subject } = setup();
    await accept.accept('main', sesNotification({ messageId: 'real1', recipients: ['bob@example.com'], subject }));
    expect((await index.find('real1')).map((s) => s.state)).toEqual(['queued']);
    expect(metrics.stackGauges).toEqual([]);
  });
});
