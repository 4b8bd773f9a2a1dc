import { describe, expect, it } from 'vitest';
import { InMemoryMessageIndex, InMemoryMessageStore, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import { parseSesNotification } from '../../../../lambdas/adapters/ses/ses-notification.js';
import { AcceptMessage } from '../../../../lambdas/core/accept/accept-message.js';
import { sesNotification } from '../../../support/aws/ses-events.js';
import { copyKeyOf } from '../../../../lambdas/core/message/message-copy.js';

function setup() {
  const index = new InMemoryMessageIndex();
  const store = new InMemoryMessageStore();
  const log = new RecordingDeliveryLog();
  return { index, store, log, accept: new AcceptMessage({ index, store, log, parse: parseSesNotification }) };
}

describe('AcceptMessage', () => {
  it('indexes the message with its size from the store', async () => {
    const { index, store, accept } = setup();
    store.put('inbound/main/abc', 'Subject: hi\r\n\r\nbody\r\n');
    const body = sesNotification({ messageId: 'abc', recipients: ['a@example.com', 'b@example.com'], timestamp: '2026-01-05T09:00:00Z', subject: 'hi' });
    expect(await accept.accept('main', body)).toEqual({ outcome: 'indexed', messageId: 'abc' });
    expect(await index.get('abc')).toEqual({
      messageId: 'abc',
      route: 'main',
      sender: 'alice@sender.example',
      recipients: ['a@example.com', 'b@example.com'],
      receivedAt: new Date('2026-01-05T09:00:00Z'),
      size: 21,
      subject: 'hi',
      state: 'queued',
      copy: copyKeyOf(['a@example.com', 'b@example.com']),
    });
    expect(await index.listQueued('main')).toHaveLength(1);
  });

  it('indexes each receipt rule\'s copy of one message (a route split over several rules), each once', async () => {
    const { index, accept } = setup();
    const first = sesNotification({ messageId: 'split', recipients: ['a1@example.com'] });
    const second = sesNotification({ messageId: 'split', recipients: ['b1@example.com'] });
    expect(await accept.accept('main', first)).toEqual({ outcome: 'indexed', messageId: 'split' });
    expect(await accept.accept('main', second)).toEqual({ outcome: 'indexed', messageId: 'split' });
    expect(await accept.accept('main', second)).toEqual({ outcome: 'already-indexed', messageId: 'split' });
    expect((await index.listQueued('main')).map((s) => s.recipients).sort()).toEqual([['a1@example.com'], ['b1@example.com']]);
  });

  it('is idempotent', async () => {
    const { index, accept } = setup();
    const body = sesNotification({ messageId: 'dup' });
    await accept.accept('main', body);
    expect(await accept.accept('main', body)).toEqual({ outcome: 'already-indexed', messageId: 'dup' });
    expect(await index.listQueued()).toHaveLength(1);
  });

  it('indexes without a size when the object is not there yet', async () => {
    const { index, accept } = setup();
    await accept.accept('main', sesNotification({ messageId: 'nosize' }));
    expect((await index.get('nosize'))!.size).toBeUndefined();
  });

  it('reports a malformed notification instead of throwing', async () => {
    const { accept, log } = setup();
    expect(await accept.accept('main', '{"Type":"Notification","Message":"nope"}')).toEqual({ outcome: 'malformed', reason: 'SNS Message is not JSON' });
    expect(log.lines[0]).toMatchObject({ level: 'warn' });
  });
});
