// The one builder of a queued summary (accept, replay, requeue): what it takes
// from the notification and what each caller may set.
import { describe, expect, it } from 'vitest';
import { parseSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { queuedSummary } from '../../../../lambdas/core/accept/queued-summary.js';
import { copyOf } from '../../../../lambdas/core/message/message-copy.js';
import { sesNotification } from '../../../support/aws/ses-events.js';

const message = parseSesNotification(sesNotification({ messageId: 'm1', recipients: ['a@example.com', 'b@example.com'], sender: 'alice@sender.example', timestamp: new Date('2026-01-05T10:00:00Z') }));

describe('queuedSummary', () => {
  it('takes the envelope, arrival and copy from the notification, and leaves out a size nobody could read', () => {
    const summary = queuedSummary(message, 'main');
    expect(summary).toEqual({
      messageId: 'm1',
      route: 'main',
      sender: 'alice@sender.example',
      recipients: ['a@example.com', 'b@example.com'],
      receivedAt: new Date('2026-01-05T10:00:00Z'),
      state: 'queued',
      copy: copyOf(message),
      ...(message.subject !== undefined ? { subject: message.subject } : {}),
    });
    expect('size' in queuedSummary(message, 'main', { size: undefined })).toBe(false);
  });

  it('takes a replay\'s own id and a requeue\'s renewed arrival', () => {
    const renewed = new Date('2026-01-09T10:00:00Z');
    expect(queuedSummary(message, 'main', { messageId: 'm1.replay-x', size: 42, receivedAt: renewed })).toMatchObject({ messageId: 'm1.replay-x', size: 42, receivedAt: renewed });
  });
});
