// requeue and delete while a drain of the same route runs (issue 19, item 6).
// A virus-positive message is quarantined, then requeued; a drain takes the
// fresh copy and quarantines it again at the worst moments, placed
// deterministically by hooks in the command's own engine: right after the
// fresh copy is enqueued (before the record is removed), and right after the
// record is removed (before the SQS dead-letter queue is cleaned). Whatever
// the order, every dead-letter record left has its copy on the DLQ, and the
// command removes only the record it read and the copies that record stood for.
import { ChangeMessageVisibilityBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RecordingIo } from '../../../cli/cli-io.js';
import { deleteCommand } from '../../../cli/commands/delete.js';
import { requeueCommand } from '../../../cli/commands/requeue.js';
import { composeEngine } from '../../../lambdas/app/compose.js';
import { composeOperator } from '../../../lambdas/app/compose-operator.js';
import { RecordingDeliveryLog, RecordingMetrics } from '../../../lambdas/adapters/fakes/index.js';
import type { Target } from '../../../cli/target.js';
import type { Route } from '../../../lambdas/core/model.js';
import type { DeadLetterStore } from '../../../lambdas/core/outcome/ports.js';
import type { MailQueue } from '../../../lambdas/core/drain/ports.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

type Moment = 'after-enqueue' | 'before-record-removed' | 'after-record-removed';

describe('requeue and delete against a running drain', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });
  beforeEach(async () => {
    await fx.reset();
    await emptyDeadLetters();
  });

  /** The DLQ copies of `id` (each made visible again right after). */
  const dlqCopies = async (id: string) => {
    const url = fx.resources.deadLetterQueue.url;
    const { Messages = [] } = await fx.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 5, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length > 0) {
      await fx.clients.sqs.send(
        new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })) }),
      );
    }
    return Messages.filter((m) => m.MessageAttributes?.messageId?.StringValue === id);
  };

  async function emptyDeadLetters(): Promise<void> {
    const { PurgeQueueCommand } = await import('@aws-sdk/client-sqs');
    await fx.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: fx.resources.deadLetterQueue.url }));
    for (const r of await fx.deps.deadLetters.list()) await fx.deps.deadLetters.remove(r.messageId);
  }

  /** A virus-positive message on route main, quarantined by a first drain: one record, one DLQ copy. */
  async function quarantined(): Promise<string> {
    const id = await fx.queue({ recipients: ['vic@example.com'], verdicts: { virus: 'FAIL' } });
    await fx.engine.drain({ route: 'main', mode: 'deliver' }, { owner: 'first-drain', budgetSeconds: 30 });
    expect(await fx.deps.deadLetters.find(id)).toEqual([expect.objectContaining({ reason: 'virus' })]);
    expect(await dlqCopies(id)).toHaveLength(1);
    return id;
  }

  /**
   * The command's target: the fixture's engine, with a drain of route main run
   * (on the fixture's own, unhooked engine) at `moment`, once; or `drain`, a
   * stand-in for one.
   */
  function racingTarget(moment: Moment, drain?: () => Promise<unknown>): { target: Target; raced: () => boolean } {
    const real = fx.engine;
    let raced = false;
    const race = async () => {
      if (raced) return;
      raced = true;
      await (drain ?? (() => real.drain({ route: 'main', mode: 'deliver' }, { owner: 'racing-drain', budgetSeconds: 30 })))();
    };
    // The operator's parts as the composition root builds them, with the queue and the dead-letter store hooked.
    const parts = composeEngine(real.settings, fx.clients, { log: new RecordingDeliveryLog(), metrics: new RecordingMetrics() });
    const queues = new Map<string, MailQueue>();
    const queueOf = (route: Route) => {
      let queue = queues.get(route.name);
      if (!queue) {
        const inner = parts.deps.queues(route);
        queue = Object.assign(Object.create(inner) as MailQueue, {
          enqueue: async (body: string, delay?: number) => {
            await inner.enqueue(body, delay);
            if (moment === 'after-enqueue') await race();
          },
        });
        queues.set(route.name, queue);
      }
      return queue;
    };
    const realDeadLetters = parts.deps.deadLetters;
    const deadLetters: DeadLetterStore = Object.assign(Object.create(realDeadLetters) as DeadLetterStore, {
      remove: async (...args: Parameters<DeadLetterStore['remove']>) => {
        if (moment === 'before-record-removed') await race();
        const removed = await realDeadLetters.remove(...args);
        if (moment === 'after-record-removed') await race();
        return removed;
      },
    });
    const target = {
      kind: 'local',
      label: 'local backup MX (test)',
      region: 'us-east-1',
      settings: real.settings,
      engine: real,
      // The operator's use cases on the hooked ports, as the targets build them.
      operator: composeOperator(real.settings, { ...parts, deps: { ...parts.deps, queues: queueOf, deadLetters } }),
      log: {},
      drain: () => Promise.reject(new Error('not used')),
      close() {},
    } as unknown as Target;
    return { target, raced: () => raced };
  }

  for (const moment of ['after-enqueue', 'after-record-removed'] as const) {
    it(`requeue with a drain quarantining the message again ${moment.replace(/-/g, ' ')}: every record left has its DLQ copy`, async () => {
      const id = await quarantined();
      const { target, raced } = racingTarget(moment);
      const io = new RecordingIo();
      await requeueCommand(target, id, {}, io);
      expect(raced()).toBe(true);

      // The drain quarantined it again: its record stays, and so does the copy that stands for it.
      const records = await fx.deps.deadLetters.find(id);
      expect(records).toEqual([expect.objectContaining({ reason: 'virus', route: 'main' })]);
      expect(await dlqCopies(id)).toHaveLength(records.length);
      expect((await fx.cli('status')).io.text).toContain('dead-letter queue: ~1 message for 1 dead-letter record');
      expect(io.text).not.toContain('removed 2 copies');
      // Neither queued nor listed as queued: the drain finished the fresh copy after the command indexed it.
      expect(await fx.engine.queue(fx.engine.route('main')).depth()).toMatchObject({ visible: 0, inFlight: 0 });
      expect((await fx.cli('mailq', '--json')).io.json<{ id: string }[]>().map((m) => m.id)).not.toContain(id);
      expect((await fx.deps.ledger.outcomes(id)).get('vic@example.com')?.state).toBe('dead-lettered');
      if (moment === 'after-record-removed') {
        expect(io.text).toContain(`${id}: a drain of route main dead-lettered it again since it was requeued (virus): see \`mailq --dead\``);
      }
      if (moment === 'after-enqueue') {
        expect(io.text).toContain(`${id}: requeued on route main (1 recipient to deliver, 1 reset); a drain of route main dead-lettered it again while this ran (virus); its new dead-letter record stays`);
        expect(io.text).toContain('-- 1 of 1 requeued (1 dead-lettered again by a running drain: see `mailq --dead`)');
      }
    });
  }

  it('delete with a drain dead-lettering the message after the record was removed: the new record keeps its DLQ copy', async () => {
    const id = await quarantined();
    const { deps } = fx;
    const [first] = await deps.deadLetters.find(id);
    // A drain that read the ledger before the delete marked it final dead-letters the message now (bounce policy 'dead-letter').
    const { target, raced } = racingTarget('after-record-removed', () =>
      deps.deadLetters.put({ ...first!, reason: 'bounced', detail: '<vic@example.com> 5.1.1 no such user', at: new Date(first!.at.getTime() + 1000) }),
    );
    const io = new RecordingIo();
    expect(await deleteCommand(target, id, { yes: true }, io)).toBe(0);
    expect(raced()).toBe(true);
    const records = await deps.deadLetters.find(id);
    expect(records).toEqual([expect.objectContaining({ reason: 'bounced' })]);
    expect(await dlqCopies(id)).toHaveLength(1);
    expect(io.text).toContain('dead-letter queue: removed 1 copy of 1 message');
  });

  it('delete with a drain dead-lettering the message between its read and its removal: the new record and its copy stay, and it says so', async () => {
    const id = await quarantined();
    const { deps } = fx;
    const [first] = await deps.deadLetters.find(id);
    const { target, raced } = racingTarget('before-record-removed', () =>
      deps.deadLetters.put({ ...first!, reason: 'bounced', detail: '<vic@example.com> 5.1.1 no such user', at: new Date(first!.at.getTime() + 1000) }),
    );
    const io = new RecordingIo();
    expect(await deleteCommand(target, id, { yes: true }, io)).toBe(0);
    expect(raced()).toBe(true);
    expect(await deps.deadLetters.find(id)).toEqual([expect.objectContaining({ reason: 'bounced' })]);
    expect(await dlqCopies(id)).toHaveLength(1);
    expect(io.text).toContain('a drain dead-lettered it again while this ran: its new dead-letter record stays (run delete again to remove it)');
    expect(io.text).toContain('dead-letter queue: removed 1 copy of 1 message');
  });
});
