// What the probe needs to evaluate the conditions (core/problems): the
// alarms' thresholds and the canary's interval in its settings, the same from
// the stack and from the local runner, and the dead-letter queue's counts
// (GetQueueAttributes on that queue only, nothing that reads or moves a message).
import { describe, expect, it } from 'vitest';
import { parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { ENV, loadSettings } from '../../../lambdas/config/settings.js';
import { localSettings } from '../../../local/runner/local-settings.js';
import { allowing, buildStack, functionId, resources, statementsOf } from '../../support/cdk/stack-fixture.js';

const CONTEXT = {
  region: 'us-east-1',
  alarms: { primaryDownMinutes: 7, oldestMessageAgeMinutes: 30, backlogMessages: 250 },
  canary: { intervalMinutes: 30 },
  routes: [{ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'verify' } }],
};
const PROBE = 'checks each primary';

describe('the probe as the evaluator: its settings and grants', () => {
  const { template } = buildStack(CONTEXT);
  const env = resources(template, 'AWS::Lambda::Function')[functionId(template, PROBE)]!.Properties!.Environment.Variables as Record<string, unknown>;

  it('the stack gives the probe the configured thresholds and the canary interval', () => {
    expect(env).toMatchObject({ [ENV.primaryDownMinutes]: '7', [ENV.oldestMessageAgeMinutes]: '30', [ENV.backlogMessages]: '250', [ENV.canaryIntervalMinutes]: '30' });
    expect(env[ENV.deadLetterQueueUrl]).toBeDefined();
  });

  it('the local runner gives its probe the same', () => {
    const config = parseBackupMxConfig(CONTEXT);
    const resources = {
      bucketName: 'b',
      tableName: 't',
      deadLetterQueue: { name: 'dlq', url: 'http://q/dlq', arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
      routes: [{ name: 'corp', topicArn: 'arn:aws:sns:us-east-1:000000000000:corp', queue: { name: 'corp', url: 'http://q/corp', arn: 'arn:q:corp' } }],
    };
    expect(localSettings(config, resources, {})).toMatchObject({ primaryDownMinutes: 7, oldestMessageAgeMinutes: 30, backlogMessages: 250, canaryIntervalMinutes: 30 });
  });

  it('settings without them take the configuration\'s defaults; a bad one is named', () => {
    const base = { [ENV.routes]: JSON.stringify([{ name: 'r', domains: ['e.com'], primary: { host: 'h', port: 25, tls: 'none' }, queueUrl: 'q', bouncePolicy: 'dsn' }]), [ENV.tableName]: 't', [ENV.bucketName]: 'b', [ENV.deadLetterQueueUrl]: 'd' };
    expect(loadSettings(base)).toMatchObject({ primaryDownMinutes: 15, oldestMessageAgeMinutes: 60, backlogMessages: 100 });
    expect(() => loadSettings({ ...base, [ENV.backlogMessages]: '0' })).toThrow(ENV.backlogMessages);
  });

  it('the probe may read the dead-letter queue\'s counts, and not receive, send or delete its messages', () => {
    const statements = statementsOf(template, PROBE);
    const dlqId = Object.keys(resources(template, 'AWS::SQS::Queue')).find((id) => /DeadLetter/i.test(id))!;
    const onDlq = (action: string) => allowing(statements, action).filter((s) => JSON.stringify(s.Resource).includes(dlqId));
    expect(onDlq('sqs:GetQueueAttributes')).toHaveLength(1);
    for (const action of ['sqs:ReceiveMessage', 'sqs:SendMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue']) expect(onDlq(action), action).toEqual([]);
  });
});
