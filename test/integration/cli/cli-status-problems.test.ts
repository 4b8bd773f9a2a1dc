// `backup-mx status --local` shows the conditions the probe found on, per
// route and for the stack, with their meaning and since when, read from the
// probe's problems records (what the RouteProblems/StackProblems alarms fire
// on). The probe here is the real one, on the emulators.
import { SendMessageCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteStatus } from '../../../cli/commands/status.js';
import { DynamoProblemStates } from '../../../lambdas/adapters/aws/dynamo-problem-records.js';
import { STACK_SCOPE } from '../../../lambdas/core/problems/problem-ports.js';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

describe('status shows the problems the probe found', () => {
  let fx: LocalFixture;
  const noDrain = { start: async () => {} };
  // The probe's own record writer, as the probe Lambda writes them.
  const problemStates = () => new DynamoProblemStates(fx.clients.doc, fx.resources.tableName);

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('none while every condition is off', async () => {
    await fx.engine.probe(noDrain);
    const { code, io } = await fx.cli('status');
    expect(code).toBe(0);
    expect(io.text).toContain('problems: none (the probe finds every condition off)');
    const json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(json.map((s) => s.problems)).toEqual([{ problems: [] }, { problems: [] }]);
  });

  it('a message on the dead-letter queue: the probe\'s next round records the stack condition, status names it with its meaning', async () => {
    const dlq = fx.resources.deadLetterQueue.url;
    await fx.clients.sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: 'poison' }));
    await fx.engine.probe(noDrain);
    const { io } = await fx.cli('status');
    expect(io.text).toMatch(/stack: dead-letter-queue for \S+ \(not announced yet: a condition is told after 120 s\): a message is on the dead-letter queue/);
    await fx.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: dlq }));
    await fx.engine.probe(noDrain);
    expect((await fx.cli('status')).io.text).toContain('problems: none');
  });

  it('an announced route condition, with since when; --json carries it per route', async () => {
    const since = new Date(fx.deps.clock.now().getTime() - 600_000);
    await problemStates().save('main', { conditions: { 'primary-down': { since, announced: true } } });
    const { io } = await fx.cli('status');
    expect(io.text).toMatch(/main: primary-down for 10m 0s: the primary has not answered the probe for primaryDownMinutes/);
    const json = (await fx.cli('status', '--json')).io.json<RouteStatus[]>();
    expect(json.find((s) => s.route === 'main')!.problems).toEqual({
      problems: [{ condition: 'primary-down', meaning: expect.stringContaining('has not answered'), since: since.toISOString(), announced: true }],
    });
    await problemStates().save('main', { conditions: {} });
  });

  it('a problems record that cannot be read is said, never shown as "none"', async () => {
    await fx.clients.doc.send(new PutCommand({ TableName: fx.resources.tableName, Item: { pk: 'stack#problems', sk: 'problems', conditions: 'garbled' } }));
    const { code, io } = await fx.cli('status');
    expect(code).toBe(0);
    expect(io.text).toMatch(/stack: could not read the probe's problems record: .*damaged \(conditions\)/);
    expect(io.text).not.toContain('problems: none');
    await problemStates().save(STACK_SCOPE, { conditions: {} });
  });
});
