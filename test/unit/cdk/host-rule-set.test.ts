// activation "never" with the user's own set: our rules copied there must be
// allowed to write to the bucket and publish to the route topics.
import { describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';

const sesStatements = (docs: Record<string, any>[]) =>
  docs.flatMap((d) => d.Statement as Record<string, any>[]).filter((s) => s.Principal?.Service === 'ses.amazonaws.com');

describe('ruleSet.hostRuleSet', () => {
  it('bucket and topic policies allow the rules of our set and of the named host set', () => {
    const { template, stack } = buildStack({ ...BASE_CONTEXT, ruleSet: { activation: 'never', hostRuleSet: 'team-rules' } });
    const bucket = sesStatements(Object.values(resources(template, 'AWS::S3::BucketPolicy')).map((p) => p.Properties!.PolicyDocument));
    const topics = sesStatements(Object.values(resources(template, 'AWS::SNS::TopicPolicy')).map((p) => p.Properties!.PolicyDocument));
    expect(bucket).toHaveLength(1);
    expect(topics).toHaveLength(1);
    for (const statement of [...bucket, ...topics]) {
      const arns = JSON.stringify(stack.resolve(statement.Condition.ArnLike['aws:SourceArn']));
      expect(arns).toContain('receipt-rule-set/backup-mx:receipt-rule/*');
      expect(arns).toContain('receipt-rule-set/team-rules:receipt-rule/*');
    }
    // doctor finds the host set through this output.
    template.hasOutput('HostRuleSetName', { Value: 'team-rules' });
    // Never activates: the activation resource is told so.
    template.hasResourceProperties('Custom::SesRuleSetActivation', { Activation: 'never' });
  });

  it('without it only our own set may write, and "never" warns that copied rules would be refused', () => {
    const { template, stack } = buildStack({ ...BASE_CONTEXT, ruleSet: { activation: 'never' } });
    const bucket = sesStatements(Object.values(resources(template, 'AWS::S3::BucketPolicy')).map((p) => p.Properties!.PolicyDocument));
    expect(JSON.stringify(stack.resolve(bucket[0]!.Condition.ArnLike['aws:SourceArn']))).not.toContain('team-rules');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('hostRuleSet'))).toHaveLength(1);
    expect(Annotations.fromStack(buildStack().stack).findWarning('*', Match.stringLikeRegexp('hostRuleSet'))).toEqual([]);
  });
});
