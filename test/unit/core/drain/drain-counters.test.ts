// The drain summary counts each recipient where it went: a 5xx recipient
// whose notice became a dead letter is "dead-lettered", not "bounced" (the
// sender got no bounce), so the runner and `flush` say what happened.
import { describe, expect, it } from 'vitest';
import { harness } from '../../../support/world/engine-harness.js';

const reply550 = { code: 550, enhanced: '5.1.1', text: 'User unknown' };

describe('drain summary counters after a 5xx', () => {
  it('bounce policy dead-letter: counted dead-lettered, not bounced', async () => {
    const h = harness({}, { bouncePolicy: 'dead-letter' });
    h.transports.reply('bob@example.com', reply550);
    await h.arrive({ messageId: 'm1', recipients: ['bob@example.com', 'kim@example.com'] });
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ messages: 1, delivered: 1, bounced: 0, deadLettered: 1 });
    expect(h.bounces.sent).toHaveLength(0);
    expect(await h.deadLetters.list('main')).toHaveLength(1);
  });

  it('bounce policy dsn: counted bounced, a DSN sent', async () => {
    const h = harness({}, { bouncePolicy: 'dsn' });
    h.transports.reply('bob@example.com', reply550);
    await h.arrive({ messageId: 'm2', recipients: ['bob@example.com'] });
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ bounced: 1, deadLettered: 0 });
    expect(h.bounces.sent).toHaveLength(1);
  });
});
