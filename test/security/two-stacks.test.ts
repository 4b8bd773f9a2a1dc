// Two backup-mx stacks in one account, "BackupMx" and "BackupMx-eu": the
// second's name starts with the first's, and both have a route "corp". From
// the synthesized templates: no role of one may read, take or send on the
// other's queues (IAM evaluated, its queues carrying their tag), CloudWatch
// may publish to each alarm topic only for that stack's alarms, no metric an
// alarm of one reads is written by the other, and each one's orphaned-queue
// watch and `adopt`, run over both stacks' queues as the templates make them
// (fake directory), see and take only their own.
import { describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { InMemoryQueueDirectory, RecordingDeliveryLog, RecordingMetrics } from '../../lambdas/adapters/fakes/index.js';
import { adoptRefusal } from '../../lambdas/core/operator/adopt-queue.js';
import { FindOrphanedQueues } from '../../lambdas/core/sweep/find-orphaned-queues.js';
import { STACK_TAG } from '../../lambdas/core/sweep/queue-owner.js';
import { alarmMetrics, buildStack, resources } from '../support/cdk/stack-fixture.js';
import { functionRoles, isAllowed, roleStatements, type PolicyStatement } from '../support/cdk/iam-evaluate.js';

const ROUTE = { name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587 } };
const NAMES = ['BackupMx', 'BackupMx-eu'] as const;
const QUEUE_ARN = (stackName: string, logicalId: string) => `arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${stackName}-${logicalId}-Q1W2E3R4T5Y6`;
const SQS_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:SendMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:PurgeQueue', 'sqs:SetQueueAttributes', 'sqs:DeleteQueue', 'sqs:TagQueue', 'sqs:ListQueueTags'];

interface Synthesized {
  stackName: string;
  template: Template;
  /** Logical id → queue (name as CloudFormation makes it, and its tags). */
  queues: Map<string, { name: string; tags: Record<string, string> }>;
  roles: { roleId: string; statements: PolicyStatement[] }[];
}

/** A stack's role statements with its own queues' ARNs written out (two stacks' templates share logical ids). */
function concrete(value: unknown, stackName: string, queueIds: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => concrete(v, stackName, queueIds));
  if (value === null || typeof value !== 'object') return value;
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt && getAtt[1] === 'Arn' && queueIds.has(getAtt[0])) return QUEUE_ARN(stackName, getAtt[0]);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, concrete(v, stackName, queueIds)]));
}

function synthesize(stackName: string): Synthesized {
  // encryptTopics: the key policies are checked too.
  const { template } = buildStack({ region: 'us-east-1', stackName, routes: [ROUTE], encryptTopics: true });
  const queues = new Map(
    Object.entries(resources(template, 'AWS::SQS::Queue')).map(([id, q]) => [
      id,
      { name: `${stackName}-${id}-Q1W2E3R4T5Y6`, tags: Object.fromEntries(((q.Properties!.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value])) },
    ]),
  );
  const ids = new Set(queues.keys());
  const roles = functionRoles(template).map(({ roleId }) => ({ roleId, statements: concrete(roleStatements(template, roleId), stackName, ids) as PolicyStatement[] }));
  return { stackName, template, queues, roles };
}

describe('two stacks in one account: BackupMx and BackupMx-eu', () => {
  const [mx, eu] = NAMES.map(synthesize) as [Synthesized, Synthesized];
  const pairs = [
    [mx, eu],
    [eu, mx],
  ] as const;

  it('each tags its queues with its own name', () => {
    for (const s of [mx, eu]) {
      expect(s.queues.size).toBe(2); // the route's queue and the dead-letter queue
      for (const queue of s.queues.values()) expect(queue.tags[STACK_TAG]).toBe(s.stackName);
    }
  });

  it('no role of one stack may read, take, send or change anything on the other\'s queues, live or retained', () => {
    for (const [self, other] of pairs) {
      // The other's queues as they are, and one it retained after a route was renamed.
      const targets = [...other.queues.keys(), 'RoutesQueueoldname5F2A9C1B'].map((id) => QUEUE_ARN(other.stackName, id));
      for (const { roleId, statements } of self.roles) {
        for (const resource of targets) {
          for (const action of SQS_ACTIONS) {
            const allowed = isAllowed(statements, { action, resource, context: { [`aws:ResourceTag/${STACK_TAG}`]: other.stackName } });
            // The one exception: BackupMx's watch reads the tags of queues named "BackupMx-…", which is how it tells BackupMx-eu's apart.
            const tagsOnly = self.stackName === 'BackupMx' && action === 'sqs:ListQueueTags';
            expect(allowed, `${self.stackName} ${roleId} ${action} on ${resource}`).toBe(tagsOnly && roleId.includes('Drain'));
          }
        }
      }
    }
  });

  it('each drain may read the counts of its own retained queues (tagged), of no untagged one', () => {
    for (const self of [mx, eu]) {
      const drain = self.roles.filter((r) => r.roleId.includes('Drain') && r.statements.some((s) => JSON.stringify(s.Action).includes('sqs:ListQueues')));
      expect(drain, self.stackName).toHaveLength(1);
      const resource = QUEUE_ARN(self.stackName, 'RoutesQueueoldname5F2A9C1B');
      const read = (tag?: string) => isAllowed(drain[0]!.statements, { action: 'sqs:GetQueueAttributes', resource, context: { [`aws:ResourceTag/${STACK_TAG}`]: tag } });
      expect(read(self.stackName)).toBe(true);
      expect(read(undefined)).toBe(false);
      expect(read(self === mx ? eu.stackName : mx.stackName)).toBe(false);
    }
  });

  it('CloudWatch may publish to each alarm topic, and use its key, only for that stack\'s alarms', () => {
    const alarmArn = (stackName: string) => `arn:<AWS::Partition>:cloudwatch:us-east-1:<AWS::AccountId>:alarm:${stackName}/Problems-corp`;
    for (const [self, other] of pairs) {
      const forCloudWatch = (documents: { Statement: PolicyStatement[] }[]) =>
        documents.flatMap((d) => d.Statement).filter((s) => JSON.stringify((s as { Principal?: unknown }).Principal ?? '').includes('cloudwatch.amazonaws.com'));
      const topicPolicies = Object.values(resources(self.template, 'AWS::SNS::TopicPolicy')).map((p) => p.Properties!.PolicyDocument);
      const keyPolicies = Object.values(resources(self.template, 'AWS::KMS::Key')).map((k) => k.Properties!.KeyPolicy);
      for (const [what, statements, action] of [
        ['topic', forCloudWatch(topicPolicies), 'sns:Publish'],
        ['key', forCloudWatch(keyPolicies), 'kms:GenerateDataKey'],
      ] as const) {
        expect(statements.length, `${self.stackName} ${what}`).toBeGreaterThan(0);
        const from = (stackName: string) => statements.some((s) => isAllowed([{ ...s, Resource: '*' }], { action, resource: '*', context: { 'aws:SourceArn': alarmArn(stackName), 'aws:SourceAccount': '<AWS::AccountId>' } }));
        expect(from(self.stackName), `${self.stackName} ${what}: its own alarms`).toBe(true);
        expect(from(other.stackName), `${self.stackName} ${what}: ${other.stackName}'s alarms`).toBe(false);
      }
    }
  });

  it('no metric an alarm of one stack reads is one the other writes: each asks for its own stack', () => {
    for (const self of [mx, eu]) {
      for (const m of alarmMetrics(self.template).filter((x) => x.namespace === 'BackupMx')) {
        // A metric filter cannot set a fixed dimension: the ERROR-line count carries the stack in its name.
        // Metric filters cannot set a fixed dimension: their counts carry the stack in the name.
        if (/^(ErrorLines|ProblemsBegan)-/.test(m.metricName)) expect(m.metricName, `${self.stackName} ${m.alarm}`).toMatch(new RegExp(`-${self.stackName}$`));
        else expect(m.dimensions.stack, `${self.stackName} ${m.alarm}`).toBe(self.stackName);
      }
    }
  });

  it('each watch, run over both stacks\' queues as the templates make them, counts and offers to adopt only its own', async () => {
    const queues = new InMemoryQueueDirectory();
    const urls = new Map<string, string>();
    for (const s of [mx, eu]) {
      // Its live queues (empty) and a retained one of a renamed route, holding mail.
      for (const [id, q] of s.queues) urls.set(`${s.stackName}/${id}`, queues.add(q.name, 0, q.tags));
      urls.set(`${s.stackName}/retained`, queues.add(`${s.stackName}-RoutesQueueoldname5F2A9C1B-Q1W2E3R4T5Y6`, s === mx ? 2 : 5, { [STACK_TAG]: s.stackName }));
    }
    for (const [self, other] of pairs) {
      const inUse = [...self.queues.keys()].map((id) => urls.get(`${self.stackName}/${id}`)!);
      const log = new RecordingDeliveryLog();
      const summary = await new FindOrphanedQueues({ queues, log, metrics: new RecordingMetrics() }, { stackName: self.stackName, inUse, routes: ['corp'] }).run();
      const own = urls.get(`${self.stackName}/retained`)!;
      expect(summary.orphaned, self.stackName).toEqual([{ url: own, messages: self === mx ? 2 : 5 }]);
      expect(JSON.stringify(log.lines)).not.toContain(`${other.stackName}-Routes`);
      const guard = { route: 'corp', inUse: inUse.map((url) => ({ url })), stackName: self.stackName };
      expect(await adoptRefusal(queues, own, guard)).toBeUndefined();
      for (const key of [...other.queues.keys(), 'retained']) {
        expect(await adoptRefusal(queues, urls.get(`${other.stackName}/${key}`)!, guard), `${self.stackName} adopting ${other.stackName}/${key}`).toMatch(new RegExp(`belongs to stack ${other.stackName} `));
      }
    }
  });
});
