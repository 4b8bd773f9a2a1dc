// The drain function also takes the hourly { task: 'find-unqueued' } and { task: 'find-orphaned-queues' } events.
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../lambdas/app/engine.js';
import { makeDrainHandler } from '../../../lambdas/handlers/drain.js';

describe('drain handler events', () => {
  const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 600_000 };
  const fakeEngine = () => {
    const calls: string[] = [];
    const engine = {
      settings: { smtpTimeoutMs: 300_000 },
      findUnqueued: async () => (calls.push('findUnqueued'), [{ route: 'corp', examined: 2, deadLettered: 1 }]),
      findOrphanedQueues: async () => (calls.push('findOrphanedQueues'), { examined: 1, orphaned: [], messages: 0, failures: 0 }),
      drain: async (event: { route: string }) => (calls.push(`drain ${event.route}`), { route: event.route }),
    };
    return { calls, engine: engine as unknown as Engine };
  };

  it('{ task: find-unqueued } runs the look for unqueued objects, and no drain', async () => {
    const { calls, engine } = fakeEngine();
    const result = await makeDrainHandler(() => engine)({ task: 'find-unqueued' }, context);
    expect(calls).toEqual(['findUnqueued']);
    expect(result).toEqual([{ route: 'corp', examined: 2, deadLettered: 1 }]);
  });

  it('{ task: find-orphaned-queues } runs the watch on old queues, and nothing else', async () => {
    const { calls, engine } = fakeEngine();
    const result = await makeDrainHandler(() => engine)({ task: 'find-orphaned-queues' }, context);
    expect(calls).toEqual(['findOrphanedQueues']);
    expect(result).toEqual({ examined: 1, orphaned: [], messages: 0, failures: 0 });
  });

  it('{ route } still drains', async () => {
    const { calls, engine } = fakeEngine();
    await makeDrainHandler(() => engine)({ route: 'corp' }, context);
    expect(calls).toEqual(['drain corp']);
  });
});
