import { describe, expect, it } from 'vitest';
import { InMemoryQueueDirectory, RecordingDeliveryLog, RecordingMetrics } from '../../../../lambdas/adapters/fakes/index.js';
import { FindOrphanedQueues, queueNameOf } from '../../../../lambdas/core/sweep/find-orphaned-queues.js';
import { STACK_TAG } from '../../../../lambdas/core/sweep/queue-owner.js';

// Names as CloudFormation makes them: `<stack>-<logical id>-<suffix>`; the stack tags each with its name.
const CURRENT = 'BackupMx-RoutesQueuecorp13B707C9-Zx81Kq2LmN0p';
const DLQ = 'BackupMx-RoutesDeadLetterE4935FBD-Ab12Cd34Ef56';
const RENAMED = 'BackupMx-RoutesQueueoldname5F2A9C1B-Qw3Er4Ty5Ui6';

const TAGGED = { [STACK_TAG]: 'BackupMx' };

function world(routes = ['corp']) {
  const queues = new InMemoryQueueDirectory();
  const log = new RecordingDeliveryLog();
  const metrics = new RecordingMetrics();
  /** A queue of stack BackupMx (tagged as the stack tags its queues). */
  const own = (name: string, messages: Parameters<InMemoryQueueDirectory['add']>[1]) => queues.add(name, messages, TAGGED);
  const current = own(CURRENT, 4);
  const dlq = own(DLQ, 2);
  const watch = (inUse = [current, dlq]) => new FindOrphanedQueues({ queues, log, metrics }, { stackName: 'BackupMx', inUse, routes });
  const errors = () => log.lines.filter((l) => l.level === 'error');
  const warnings = () => log.lines.filter((l) => l.level === 'warn');
  return { queues, own, log, metrics, watch, errors, warnings };
}

const NONE = { otherStacks: 0, untagged: [] };

describe('FindOrphanedQueues', () => {
  it('reports a queue of the stack that no route uses and that holds messages, with the adopt command', async () => {
    const { own, metrics, watch, errors } = world();
    const old = own(RENAMED, { visible: 3, inFlight: 1, delayed: 2 });
    const summary = await watch().run();
    expect(summary).toEqual({ examined: 1, orphaned: [{ url: old, messages: 6 }], messages: 6, ...NONE, failures: 0 });
    expect(errors()).toHaveLength(1);
    const [line] = errors();
    expect(line!.message).toContain(old);
    expect(line!.message).toContain('6 message(s)');
    expect(line!.message).toContain('SQS drops them 14 days after they were sent');
    expect(line!.message).toContain(`npx backup-mx adopt ${old} --route corp`);
    expect(line!.fields).toMatchObject({ queueUrl: old, messages: 6, command: `npx backup-mx adopt ${old} --route corp` });
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 6 }]);
  });

  it('lists with the stack name and a "-", so a stack whose name only starts with ours is not even listed', async () => {
    const { queues, metrics, watch, errors } = world();
    queues.add('BackupMxTest-RoutesQueuecorp13B707C9-Zx81Kq2LmN0p', 5, { [STACK_TAG]: 'BackupMxTest' });
    queues.add('Other-RoutesQueuecorp13B707C9-Zx81Kq2LmN0p', 5, TAGGED);
    queues.add('backupmx-RoutesQueuecorp13B707C9-Zx81Kq2LmN0p', 5, TAGGED); // names are case-sensitive
    const summary = await watch().run();
    expect(queues.listed).toEqual(['BackupMx-']);
    expect(summary).toMatchObject({ examined: 0, orphaned: [], messages: 0, ...NONE });
    expect(errors()).toEqual([]);
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 0 }]);
  });

  it('stack "BackupMx-eu"\'s queues share our name prefix but carry its tag: never counted, reported or offered for adopt', async () => {
    const { queues, own, metrics, watch, log } = world();
    // Its live queue and one it retained after a route rename: both hold mail.
    queues.add('BackupMx-eu-RoutesQueuecorp13B707C9-Zx81Kq2LmN0p', 7, { [STACK_TAG]: 'BackupMx-eu' });
    queues.add('BackupMx-eu-RoutesQueueoldname5F2A9C1B-Qw3Er4Ty5Ui6', 3, { [STACK_TAG]: 'BackupMx-eu' });
    const old = own(RENAMED, 2);
    const summary = await watch().run();
    expect(summary).toEqual({ examined: 1, orphaned: [{ url: old, messages: 2 }], messages: 2, otherStacks: 2, untagged: [], failures: 0 });
    expect(JSON.stringify(log.lines)).not.toContain('BackupMx-eu');
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 2 }]);
  });

  it('and "BackupMx-eu"\'s own watch sees only its queues, not ours', async () => {
    const { queues, own, metrics } = world();
    own(RENAMED, 2);
    const theirs = queues.add('BackupMx-eu-RoutesQueueoldname5F2A9C1B-Qw3Er4Ty5Ui6', 3, { [STACK_TAG]: 'BackupMx-eu' });
    const log = new RecordingDeliveryLog();
    const summary = await new FindOrphanedQueues({ queues, log, metrics }, { stackName: 'BackupMx-eu', inUse: [], routes: ['corp'] }).run();
    expect(summary).toEqual({ examined: 1, orphaned: [{ url: theirs, messages: 3 }], messages: 3, ...NONE, failures: 0 });
  });

  it('a queue named like ours with no stack tag is not counted; one warning says how to claim it', async () => {
    const { queues, metrics, watch, warnings, errors } = world();
    const untagged = queues.add(RENAMED, 4);
    const summary = await watch().run();
    expect(summary).toMatchObject({ examined: 0, orphaned: [], messages: 0, otherStacks: 0, untagged: [untagged], failures: 0 });
    expect(errors()).toEqual([]);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.message).toContain('aws sqs tag-queue --queue-url <queue url> --tags backup-mx:stack=BackupMx');
    expect(warnings()[0]!.fields).toMatchObject({ queueUrls: [untagged] });
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 0 }]);
  });

  it('a failing tag read is logged, the queue left out, and the others still looked at', async () => {
    const { queues, own, watch, errors } = world();
    const broken = own('BackupMx-RoutesQueuebrokenAAAA1111-Broken00000', 9);
    const old = own(RENAMED, 2);
    queues.failTags.set(broken, new Error('AccessDenied: sqs:ListQueueTags'));
    const summary = await watch().run();
    expect(summary).toMatchObject({ examined: 1, orphaned: [{ url: old, messages: 2 }], failures: 1 });
    expect(errors().find((l) => l.fields?.queueUrl === broken)?.message).toBe("orphaned-queue watch: could not read a queue's tags");
  });

  it('leaves out the current route queues and the dead-letter queue however their URL is written, and empty orphans', async () => {
    const { own, metrics, watch, errors } = world(['corp', 'two']);
    own('BackupMx-RoutesQueuetwoAAAA1111-Empty0000000', 0);
    // The settings may carry another URL form of the same queue (legacy host); the name decides.
    const summary = await watch([`https://queue.amazonaws.com/123456789012/${CURRENT}`, `https://sqs.us-east-1.amazonaws.com/123456789012/${DLQ}/`]).run();
    expect(summary).toMatchObject({ examined: 1, orphaned: [], messages: 0, ...NONE, failures: 0 });
    expect(errors()).toEqual([]);
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 0 }]);
  });

  it('with several routes the command leaves the route to choose and names the choices', async () => {
    const { own, watch, errors } = world(['corp', 'two']);
    const old = own(RENAMED, 1);
    await watch().run();
    expect(errors()[0]!.message).toContain(`npx backup-mx adopt ${old} --route <route> (<route>: one of corp, two)`);
  });

  it('reads every page of the listing and totals the messages of all orphans', async () => {
    const { queues, own, metrics, watch } = world();
    queues.pageSize = 2;
    for (let i = 0; i < 5; i += 1) own(`BackupMx-RoutesQueueold${i}ABCDEF12-Suffix00000${i}`, i);
    const summary = await watch().run();
    expect(queues.pages.length).toBe(4); // 7 queues, 2 a page
    expect(summary.examined).toBe(5);
    expect(summary.orphaned.map((o) => o.messages)).toEqual([1, 2, 3, 4]);
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 10 }]);
  });

  it('skips a queue deleted since it was listed', async () => {
    const { queues, own, watch, errors } = world();
    const old = own(RENAMED, 3);
    queues.deleteButStillList(old);
    expect(await watch().run()).toMatchObject({ examined: 0, orphaned: [], ...NONE, failures: 0 });
    expect(errors()).toEqual([]);
  });

  it('a failing listing is logged and does not throw; what earlier pages showed still counts', async () => {
    const { queues, own, metrics, watch, errors } = world();
    queues.pageSize = 2;
    const old = own(RENAMED, 3); // on the second page
    own('BackupMx-RoutesQueueemptyAAAA1111-Empty000000', 0);
    own('BackupMx-RoutesQueuelaterAAAA1111-Later000000', 5); // on the third, never served
    queues.failListAfterPages = { pages: 2, error: new Error('AccessDenied: sqs:ListQueues') };
    const summary = await watch().run();
    expect(summary).toMatchObject({ orphaned: [{ url: old, messages: 3 }], failures: 1 });
    expect(errors().map((l) => l.message)).toEqual([expect.stringContaining(old), 'orphaned-queue watch: could not list the queues']);
    expect(errors()[1]!.fields).toMatchObject({ prefix: 'BackupMx-', error: 'AccessDenied: sqs:ListQueues' });
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 3 }]);
  });

  it('a listing that fails at once is logged, does not throw, and publishes no figure (its alarm reads none as breaching, not a 0 as "fine")', async () => {
    const { queues, metrics, watch, errors } = world();
    queues.failListAfterPages = { pages: 0, error: new Error('throttled') };
    await expect(watch().run()).resolves.toMatchObject({ examined: 0, failures: 1 });
    expect(errors()).toHaveLength(1);
    expect(metrics.stackGauges).toEqual([]);
  });

  it('a failing count is logged and the other queues are still looked at', async () => {
    const { queues, own, metrics, watch, errors } = world();
    const broken = own('BackupMx-RoutesQueuebrokenAAAA1111-Broken00000', 9);
    const old = own(RENAMED, 2);
    queues.failDepth.set(broken, new Error('AccessDenied: sqs:GetQueueAttributes'));
    const summary = await watch().run();
    expect(summary).toMatchObject({ examined: 2, orphaned: [{ url: old, messages: 2 }], messages: 2, failures: 1 });
    expect(errors().find((l) => l.fields?.queueUrl === broken)?.message).toBe("orphaned-queue watch: could not read a queue's message counts");
    expect(metrics.stackGauges).toEqual([{ name: 'OrphanedQueueMessages', value: 2 }]);
  });

  it('queueNameOf takes the last path segment', () => {
    expect(queueNameOf('https://sqs.eu-west-1.amazonaws.com/123456789012/BackupMx-X-1')).toBe('BackupMx-X-1');
    expect(queueNameOf('http://127.0.0.1:4566/000000000000/q/')).toBe('q');
  });
});
