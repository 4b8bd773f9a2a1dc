// `export` as the operator's action: built once in operatorActions, it looks
// back as far as the bucket keeps mail unless told a date, and writes into
// the mailbox the caller names through the Mailboxes port (core opens no file).
import { describe, expect, it } from 'vitest';
import { sesNotification } from '../../../support/aws/ses-events.js';
import { operatorWorld } from '../../../support/world/operator-world.js';

const DAY = 86_400_000;

function world() {
  const w = operatorWorld();
  const { h, deps } = w;
  /** Stored and archived `daysAgo` (delivered, not queued). */
  const archived = async (messageId: string, daysAgo: number) => {
    const at = new Date(h.clock.now().getTime() - daysAgo * DAY);
    h.store.put(`mail/main/${messageId}`, `Subject: ${messageId}\r\n\r\nbody\r\n`);
    const notification = sesNotification({ messageId, recipients: ['bob@example.com'], timestamp: at, objectKeyPrefix: 'mail/main/' });
    await deps.archive.keep({ messageId, route: 'main', receivedAt: at, notification }, new Date(at.getTime() + 10 * DAY));
  };
  return { ...w, archived };
}

describe('operatorActions: export', () => {
  it('"all" without a date looks back the archive retention the wiring gives (3 days here); a date overrides it', async () => {
    const { h, operator, archived } = world();
    await archived('recent', 2);
    await archived('old', 4);
    const all = await operator.export.select(h.route, { state: 'all' });
    expect(all.map((i) => i.messageId)).toEqual(['recent']);
    const since = await operator.export.select(h.route, { state: 'all', since: new Date(h.clock.now().getTime() - 5 * DAY) });
    expect(since.map((i) => i.messageId)).toEqual(['old', 'recent']);
    expect(await operator.export.select(h.route, { state: 'queued' })).toEqual([]);
  });

  it('opens the destination the caller names through the port, writes the stored bytes and closes the mailbox', async () => {
    const { h, operator, archived, mailboxes } = world();
    await archived('one', 1);
    const items = await operator.export.select(h.route, { state: 'all' });
    const writer = await operator.export.open({ maildir: '/tmp/out' });
    const progress: number[] = [];
    const result = await operator.export.run(items, writer, (done) => progress.push(done));
    expect(mailboxes.map((m) => m.destination)).toEqual([{ maildir: '/tmp/out' }]);
    expect(mailboxes[0]!.box.added).toEqual([{ messageId: 'one', bytes: 'Subject: one\r\n\r\nbody\r\n' }]);
    expect(mailboxes[0]!.box.closed).toBe(true);
    expect(result).toMatchObject({ written: 1, missing: [] });
    expect(progress).toEqual([1]);
  });
});
