// What outlives the stack, and what does not. The data (the queues hold the
// envelopes, the bucket the bytes, the table the ledger and the trigger key,
// which the primary holds a copy of) and the Elastic IP (the port-25
// allowance and allow-lists name it) are kept on delete and on replacement, but removed when the
// stack's first create rolls back (CloudFormation's RetainExceptOnCreate): a
// failed first deploy leaves nothing behind. The topic key (encryptTopics) goes
// with the topics it encrypts, and every function logs into a log group of the stack,
// with a retention, removed with it.
import { describe, expect, it } from 'vitest';
import { TOPIC_KEY_PENDING_WINDOW } from '../../../lib/backup-mx-stack.js';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';

type Resource = { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties?: Record<string, any> };

const port25 = { ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0]!, primary: { host: 'mail.example.com', port: 25 } }] };
const KEPT = ['AWS::SQS::Queue', 'AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::EC2::EIP'];

describe('what outlives the stack', () => {
  const { template } = buildStack({ ...port25, egress: 'vpc-nat-instance' });
  const all = template.toJSON().Resources as Record<string, Resource>;

  it('the queues, bucket, table (with the trigger key) and Elastic IP: kept on delete and replacement, removed when the first create rolls back', () => {
    const kept = Object.entries(all).filter(([, r]) => KEPT.includes(r.Type));
    expect(new Set(kept.map(([, r]) => r.Type))).toEqual(new Set(KEPT));
    expect(kept.filter(([, r]) => r.Type === 'AWS::SQS::Queue')).toHaveLength(2); // the route's and the dead-letter queue
    for (const [id, r] of kept) {
      expect(r.DeletionPolicy, id).toBe('RetainExceptOnCreate');
      expect(r.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('nothing else is kept: whatever the stack leaves behind is one of those', () => {
    const retained = Object.entries(all).filter(([, r]) => r.DeletionPolicy && r.DeletionPolicy !== 'Delete').map(([, r]) => r.Type);
    expect([...new Set(retained)].sort()).toEqual([...KEPT].sort());
  });

  it('the topic key (encryptTopics) is deleted with the stack after KMS\'s shortest wait, and nothing kept uses it', () => {
    const withKey = buildStack({ ...port25, egress: 'vpc-nat-instance', encryptTopics: true }).template.toJSON().Resources as Record<string, Resource>;
    const keys = Object.entries(withKey).filter(([, r]) => r.Type === 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0]!;
    expect(key.DeletionPolicy).toBe('Delete');
    expect(key.Properties!.PendingWindowInDays).toBe(TOPIC_KEY_PENDING_WINDOW.toDays());
    expect(TOPIC_KEY_PENDING_WINDOW.toDays()).toBe(7);
    // Only the SNS topics (not kept) name it; the kept queues use SQS's own encryption.
    const users = Object.entries(withKey).filter(([id, r]) => id !== keyId && JSON.stringify(r.Properties ?? {}).includes(`"${keyId}"`) && r.Type !== 'AWS::IAM::Policy');
    expect([...new Set(users.map(([, r]) => r.Type))]).toEqual(['AWS::SNS::Topic']);
    for (const [id, r] of Object.entries(withKey).filter(([, x]) => x.Type === 'AWS::SQS::Queue')) expect(r.Properties!.SqsManagedSseEnabled, id).toBe(true);
  });

  it('every function, CDK\'s custom-resource functions included, logs into a log group of the stack with a retention', () => {
    const functions = Object.entries(all).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(10); // ours, the two providers' frameworks, the route-table writer
    const groups = Object.entries(all).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    for (const [id, fn] of functions) {
      const group = fn.Properties!.LoggingConfig?.LogGroup as { Ref?: string } | undefined;
      expect(group?.Ref, `${id} logs to a log group of the stack`).toBeDefined();
      expect(all[group!.Ref!]?.Type, id).toBe('AWS::Logs::LogGroup');
    }
    for (const [id, group] of groups) {
      expect(group.Properties!.RetentionInDays, id).toBe(30);
      expect(group.DeletionPolicy, id).toBe('Delete');
    }
  });

  it('a trigger key an earlier version kept in Secrets Manager can be named, which the stack then reads (and creates none)', () => {
    const { template: again } = buildStack({ ...BASE_CONTEXT, trigger: { keySecretName: 'TriggerKey3F5A8D12-AbCdEfGhIjKl' } });
    expect(resources(again, 'AWS::SecretsManager::Secret')).toEqual({});
    const out = again.toJSON().Outputs.TriggerSecretArn.Value;
    expect(JSON.stringify(out)).toContain(':secret:TriggerKey3F5A8D12-AbCdEfGhIjKl');
    const reads = Object.values(resources(again, 'AWS::IAM::Policy')).flatMap((p) => p.Properties!.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(reads)).toContain(':secret:TriggerKey3F5A8D12-AbCdEfGhIjKl-??????');
  });
});
