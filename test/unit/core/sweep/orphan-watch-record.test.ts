// The hourly orphaned-queue watch records what it found for the probe's
// orphaned-queue condition, only when it can vouch for it: a clean look (a 0
// included) or mail found; never a 0 after a failed listing, which would end
// the condition while old queues may still hold mail.
import { describe, expect, it } from 'vitest';
import { InMemoryOrphanWatchRecords, InMemoryQueueDirectory, RecordingDeliveryLog, RecordingMetrics } from '../../../../lambdas/adapters/fakes/index.js';
import { FindOrphanedQueues } from '../../../../lambdas/core/sweep/find-orphaned-queues.js';
import { STACK_TAG } from '../../../../lambdas/core/sweep/queue-owner.js';

const AT = new Date('2026-01-05T10:00:00Z');

function world() {
  const queues = new InMemoryQueueDirectory();
  const records = new InMemoryOrphanWatchRecords();
  const log = new RecordingDeliveryLog();
  const current = queues.add('BackupMx-RoutesQueuecorp13B707C9-Zx81Kq2LmN0p', 4, { [STACK_TAG]: 'BackupMx' });
  const watch = () => new FindOrphanedQueues({ queues, log, metrics: new RecordingMetrics(), records, now: () => AT }, { stackName: 'BackupMx', inUse: [current], routes: ['corp'] });
  return { queues, records, log, watch };
}

describe('the orphaned-queue watch\'s record', () => {
  it('a clean look with nothing found records 0, with its time', async () => {
    const { records, watch } = world();
    await watch().run();
    expect(records.found).toEqual({ at: AT, messages: 0 });
  });

  it('mail found in an old queue is recorded', async () => {
    const { queues, records, watch } = world();
    queues.add('BackupMx-RoutesQueueoldname5F2A9C1B-Qw3Er4Ty5Ui6', 3, { [STACK_TAG]: 'BackupMx' });
    await watch().run();
    expect(records.found).toEqual({ at: AT, messages: 3 });
  });

  it('after a failed listing with nothing found, nothing is recorded: the last record stands and ages', async () => {
    const { queues, records, watch } = world();
    records.found = { at: new Date('2026-01-05T09:00:00Z'), messages: 2 };
    queues.failListAfterPages = { pages: 0, error: new Error('throttled') };
    await watch().run();
    expect(records.found).toEqual({ at: new Date('2026-01-05T09:00:00Z'), messages: 2 });
  });

  it('a record that cannot be written is an error line; the watch does not throw', async () => {
    const { records, log, watch } = world();
    records.failNext.record = new Error('throttled');
    await expect(watch().run()).resolves.toMatchObject({ failures: 0 });
    expect(log.lines.find((l) => l.level === 'error')?.message).toMatch(/could not record what it found/);
  });
});
