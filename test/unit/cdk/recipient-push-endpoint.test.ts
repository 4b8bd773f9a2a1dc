// The recipient push endpoint in the template: only when a route syncs; its
// own function URL (AuthType NONE: the HMAC is checked in the function), its
// concurrency reserved as the trigger's, its outputs, and the cap it checks
// before the signature derived from the largest synced route's budget.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { pushBodyLimit } from '../../../lambdas/core/recipients/push-limits.js';
import { buildStack } from '../../support/cdk/stack-fixture.js';

const route = (name: string, domain: string, extra: Record<string, unknown> = {}) => ({ name, domains: [domain], primary: { host: `mail.${domain}`, port: 587, tls: 'verify' }, ...extra });

describe('recipient push endpoint', () => {
  it('is absent without a synced route', () => {
    const { template } = buildStack({ region: 'us-east-1', routes: [route('corp', 'example.com')] });
    expect(Object.keys(template.findOutputs('RecipientPushUrl'))).toEqual([]);
    expect(Object.values(template.findResources('AWS::Lambda::Function')).some((f) => String(f.Properties.Description).includes('pushed by its primary'))).toBe(false);
  });

  it('with synced routes: its own public URL, the largest route\'s body cap, its reservation and outputs', () => {
    const { template } = buildStack({
      region: 'us-east-1',
      routes: [route('corp', 'example.com', { recipientSync: { maxAddresses: 500 } }), route('lab', 'lab.example.com', { recipientSync: { maxAddresses: 2_000 } }), route('plain', 'example.org')],
    });
    const [id, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, f]) => String(f.Properties.Description).includes('pushed by its primary'))!;
    expect(fn.Properties.Environment.Variables.BACKUPMX_PUSH_MAX_BODY_BYTES).toBe(String(pushBodyLimit(2_000)));
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [id, 'Arn'] } });
    template.hasResourceProperties('Custom::TriggerConcurrency', { FunctionName: { Ref: id }, ReservedConcurrency: '3' });
    expect(Object.keys(template.findOutputs('*')).filter((o) => /^Recipient/.test(o)).sort()).toEqual(['RecipientPushConcurrency', 'RecipientPushUrl', 'RecipientRuleWriterName']);
    template.hasOutput('RecipientPushUrl', { Value: Match.anyValue() });
  });

  it('trigger.reservedConcurrency "none" reserves nothing for the push either', () => {
    const { template } = buildStack({ region: 'us-east-1', trigger: { reservedConcurrency: 'none' }, routes: [route('corp', 'example.com', { recipientSync: {} })] });
    expect(Object.keys(template.findResources('Custom::TriggerConcurrency'))).toEqual([]);
    expect(Object.keys(template.findOutputs('RecipientPushConcurrency'))).toEqual([]);
  });
});
