// The envelope archive behind replay and export: written at accept, kept
// exactly as long as the bucket keeps the raw object.
import { describe, expect, it } from 'vitest';
import { InMemoryMessageIndex, InMemoryMessageStore, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import { InMemoryEnvelopeArchive } from '../../../../lambdas/adapters/fakes/in-memory-feature-stores.js';
import { parseSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { ARCHIVE_EXTRA_SECONDS } from '../../../../lambdas/app/engine.js';
import { AcceptMessage } from '../../../../lambdas/core/accept/accept-message.js';
import { EXTRA_RETENTION_DAYS } from '../../../../lib/constructs/mail-bucket.js';
import { sesNotification } from '../../../support/aws/ses-events.js';
import { copyKeyOf } from '../../../../lambdas/core/message/message-copy.js';

describe('envelope archive at accept', () => {
  it('keeps the notification as the queue got it, until arrival + queue lifetime + the bucket\'s extra 30 days', async () => {
    const archive = new InMemoryEnvelopeArchive();
    const lifetime = 5 * 86_400;
    const accept = new AcceptMessage({
      index: new InMemoryMessageIndex(),
      store: new InMemoryMessageStore(),
      log: new RecordingDeliveryLog(),
      parse: parseSesNotification,
      archive: { store: archive, retentionSeconds: lifetime + ARCHIVE_EXTRA_SECONDS },
    });
    const body = sesNotification({ messageId: 'abc', recipients: ['a@example.com', 'hidden@example.com'], timestamp: '2026-01-05T09:00:00Z' });
    await accept.accept('main', body);
    await accept.accept('main', body); // SNS delivers twice at times
    expect([...archive.items.values()]).toEqual([
      { envelope: { messageId: 'abc', route: 'main', receivedAt: new Date('2026-01-05T09:00:00Z'), notification: body, copy: copyKeyOf(['a@example.com', 'hidden@example.com']) }, expiresAt: new Date('2026-02-09T09:00:00Z') },
    ]);
  });

  it('uses the same extra retention as the bucket\'s lifecycle rule', () => {
    expect(ARCHIVE_EXTRA_SECONDS).toBe(EXTRA_RETENTION_DAYS * 86_400);
  });
});
