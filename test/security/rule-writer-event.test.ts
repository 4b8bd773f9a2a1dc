// The rule writer a push asks may write any receipt rule of the account (SES
// cannot scope those actions), so its event is the boundary: the deployed
// handlers, on mocked AWS clients (aws-sdk-client-mock), refuse whatever the
// public push function could send beyond `{ applyRules: <route> }` before any
// call: a CloudFormation-shaped Delete (which would remove every synced rule),
// a route with its own domains or set, extra fields. The deploy's function
// refuses an applyRules event too (and the push may not invoke it:
// recipient-push-role.test.ts).
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/config/settings.js';
import { handler as writer, RuleWriterEventRefused } from '../../lambdas/handlers/recipient-rule-writer.js';
import { handler as deploy } from '../../lambdas/handlers/recipient-sync-deploy.js';

const ses = mockClient(SESClient);
const doc = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const calls = () => ses.calls().length + doc.calls().length + s3.calls().length;
const settings = { [ENV.tableName]: 'state', [ENV.bucketName]: 'mail', [ENV.ruleSetName]: 'backup-mx', [ENV.routeTableDigest]: 'a'.repeat(64) };
const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));

const cfnDelete = {
  RequestType: 'Delete',
  PhysicalResourceId: 'recipient-sync-backup-mx',
  ResourceProperties: { RuleSetName: 'backup-mx', TableName: 'state', BucketName: 'mail', Routes: [{ Name: 'corp', Domains: ['example.com'], MaxShrinkPercent: 10, MaxAddresses: 100 }] },
};

describe('the rule writer trusts nothing in its event but a route name', () => {
  beforeAll(() => Object.assign(process.env, settings));
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    ses.restore();
    doc.restore();
    s3.restore();
  });
  beforeEach(() => {
    ses.reset();
    doc.reset();
    s3.reset();
  });

  it('refuses a CloudFormation-shaped event and an applyRules event with extra fields: no AWS call', async () => {
    for (const event of [cfnDelete, { ...cfnDelete, applyRules: 'corp' }, { applyRules: 'corp', Domains: ['other.example'] }, { applyRules: 'corp', RuleSetName: 'someone-elses-set' }]) {
      await expect(writer(event as never), JSON.stringify(event)).rejects.toBeInstanceOf(RuleWriterEventRefused);
    }
    expect(calls()).toBe(0);
  });

  it('a well-formed event goes on to the route table (the mocks do see calls)', async () => {
    doc.resolves({});
    await expect(writer({ applyRules: 'corp' } as never)).rejects.toThrow();
    expect(doc.calls().length).toBeGreaterThan(0);
    expect(ses.calls()).toHaveLength(0);
  });

  it('the deploy\'s function refuses an applyRules event: no AWS call', async () => {
    await expect(deploy({ applyRules: 'corp' } as never)).rejects.toThrow(/not a CloudFormation custom resource event/);
    expect(calls()).toBe(0);
  });
});
