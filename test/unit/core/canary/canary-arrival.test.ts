// Accept records a canary that arrived in time, for the probe's
// canary-missing: a late one (a slow path, an old canary replayed) and a
// forged one are not recorded, and a record that cannot be written is an
// error line, not a failed accept.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InMemoryCanaryArrivals, InMemoryCanaryKey, InMemoryMessageIndex, InMemoryMessageStore, ManualClock, RecordingDeliveryLog, RecordingMetrics } from '../../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { AcceptMessage } from '../../../../lambdas/core/accept/accept-message.js';
import { CANARY_LATE_MINUTES } from '../../../../lambdas/core/canary/canary-timing.js';
import { canarySubject } from '../../../../lambdas/core/canary/canary-token.js';
import { CanaryRecogniser } from '../../../../lambdas/core/canary/recognise-canary.js';
import { sesNotification } from '../../../support/aws/ses-events.js';

const ADDRESS = 'canary@canary.example.com';
const sentAt = new Date('2026-01-05T10:00:00.000Z');

function setup(secondsLater: number) {
  const keys = new InMemoryCanaryKey();
  keys.value = randomBytes(32);
  const arrivals = new InMemoryCanaryArrivals();
  const log = new RecordingDeliveryLog();
  const clock = new ManualClock(new Date(sentAt.getTime() + secondsLater * 1000).toISOString());
  const accept = new AcceptMessage({
    index: new InMemoryMessageIndex(),
    store: new InMemoryMessageStore(),
    parse: parseSesNotification,
    log,
    clock,
    canary: new CanaryRecogniser(keys, { address: ADDRESS, route: 'main' }),
    metrics: new RecordingMetrics(),
    canaryArrivals: arrivals,
  });
  const canary = (subject = canarySubject(keys.value!, ADDRESS, sentAt)) => sesNotification({ messageId: `c${secondsLater}`, recipients: [ADDRESS], sender: ADDRESS, subject });
  return { arrivals, log, clock, accept, canary };
}

describe('accept records the canary\'s arrival', () => {
  it('an on-time canary: when it arrived and its round trip', async () => {
    const { arrivals, accept, canary, clock } = setup(4);
    expect(await accept.accept('main', canary())).toMatchObject({ outcome: 'canary' });
    expect(arrivals.arrival).toEqual({ at: clock.now(), roundTripSeconds: 4 });
  });

  it(`one ${CANARY_LATE_MINUTES} minutes late (or an old one replayed) is not recorded`, async () => {
    const { arrivals, accept, canary, log } = setup(CANARY_LATE_MINUTES * 60);
    expect(await accept.accept('main', canary())).toMatchObject({ outcome: 'canary' });
    expect(arrivals.arrival).toBeUndefined();
    expect(log.lines.some((l) => l.message === 'canary arrived late: not counted as arrived')).toBe(true);
  });

  it('a forged canary (another key) is mail, and records nothing', async () => {
    const { arrivals, accept, canary } = setup(4);
    expect(await accept.accept('main', canary(canarySubject(randomBytes(32), ADDRESS, sentAt)))).toMatchObject({ outcome: 'indexed' });
    expect(arrivals.arrival).toBeUndefined();
  });

  it('a record that cannot be written is an error line; the accept succeeds', async () => {
    const { arrivals, accept, canary, log } = setup(4);
    arrivals.failNext.record = new Error('throttled');
    expect(await accept.accept('main', canary())).toMatchObject({ outcome: 'canary' });
    expect(log.lines.find((l) => l.level === 'error')?.message).toMatch(/could not record the canary's arrival/);
  });
});
