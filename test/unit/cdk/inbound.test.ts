import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { BASE_CONTEXT, buildStack, resources } from '../../support/cdk/stack-fixture.js';

const TWO_ROUTES = {
  region: 'eu-west-1',
  tlsPolicy: 'require',
  ruleSet: { name: 'team-backup', activation: 'replace' },
  routes: [
    {
      name: 'corp',
      domains: ['example.com', 'example.org'],
      recipients: ['alice@example.com', 'bob@example.com'],
      primary: { host: 'mail.example.com', port: 587 },
    },
    { name: 'shop', domains: ['shop.example'], primary: { host: 'mx.shop.example', port: 2525 } },
  ],
};

describe('SES receiving', () => {
  it('creates our named rule set and one rule per route with the configured recipients', () => {
    const { template } = buildStack(TWO_ROUTES);
    template.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'team-backup' });
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({
        Name: 'route-corp',
        // the allow-list narrows example.com; example.org has no list and stays open
        Recipients: ['alice@example.com', 'bob@example.com', 'example.org'],
      }),
    });
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({ Name: 'route-shop', Recipients: ['shop.example'] }),
    });
  });

  it('recipients equal the domains when no allow-list is given', () => {
    const { template } = buildStack();
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: Match.objectLike({ Recipients: BASE_CONTEXT.routes[0]!.domains }),
    });
  });

  it('stores into the mail bucket under the route prefix and notifies the route topic, with scanning and the TLS policy', () => {
    const { template, stack } = buildStack(TWO_ROUTES);
    const bucketId = Object.keys(resources(template, 'AWS::S3::Bucket'))[0]!;
    const topics = resources(template, 'AWS::SNS::Topic');
    for (const route of ['corp', 'shop']) {
      const topicId = Object.keys(topics).find((id) => id.includes(`Topic${route}`))!;
      template.hasResourceProperties('AWS::SES::ReceiptRule', {
        Rule: {
          Name: `route-${route}`,
          Enabled: true,
          ScanEnabled: true,
          TlsPolicy: 'Require',
          Actions: [{ S3Action: { BucketName: { Ref: bucketId }, ObjectKeyPrefix: `mail/${route}/`, TopicArn: { Ref: topicId } } }],
        },
      });
    }
    expect(stack.region).toBe('eu-west-1');
  });

  it('TLS policy defaults to optional', () => {
    buildStack().template.hasResourceProperties('AWS::SES::ReceiptRule', { Rule: Match.objectLike({ TlsPolicy: 'Optional' }) });
  });

  it('lets SES write mail only for this account and our rule set', () => {
    const { template } = buildStack(TWO_ROUTES);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', Match.arrayWith([':ses:eu-west-1:', ':receipt-rule-set/team-backup:receipt-rule/*'])],
                },
              },
            },
          }),
        ]),
      },
    });
    // no statement lets SES write without those conditions
    const policy = Object.values(resources(template, 'AWS::S3::BucketPolicy'))[0]!;
    const sesStatements = (policy.Properties!.PolicyDocument.Statement as any[]).filter(
      (s) => s.Principal?.Service === 'ses.amazonaws.com',
    );
    expect(sesStatements).toHaveLength(1);
  });

  it('lets SES publish to each route topic with the same conditions, and (encryptTopics) use the topic key', () => {
    const { template } = buildStack({ ...TWO_ROUTES, encryptTopics: true });
    const sesPublish = Match.objectLike({
      Effect: 'Allow',
      Principal: { Service: 'ses.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: Match.objectLike({ ArnLike: Match.anyValue(), StringEquals: Match.anyValue() }),
    });
    expect(Object.keys(template.findResources('AWS::SNS::TopicPolicy', {
      Properties: { PolicyDocument: { Statement: Match.arrayWith([sesPublish]) } },
    }))).toHaveLength(2);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'ses.amazonaws.com' }, Action: ['kms:GenerateDataKey*', 'kms:Decrypt'] }),
        ]),
      },
    });
  });

  it('rules wait for the permissions SES checks when they are created', () => {
    const { template } = buildStack(TWO_ROUTES);
    const policyId = Object.keys(resources(template, 'AWS::S3::BucketPolicy'))[0]!;
    for (const rule of Object.values(resources(template, 'AWS::SES::ReceiptRule'))) {
      expect(rule.DependsOn).toContain(policyId);
      expect(rule.DependsOn!.some((d) => d.includes('Policy') && d.includes('Topic'))).toBe(true);
    }
  });

  it('activates the rule set through the custom resource, after every rule exists', () => {
    const { template } = buildStack(TWO_ROUTES);
    const activation = Object.values(resources(template, 'Custom::SesRuleSetActivation'));
    expect(activation).toHaveLength(1);
    expect(activation[0]!.Properties).toMatchObject({ RuleSetName: 'team-backup', Activation: 'replace' });
    const ruleIds = Object.keys(resources(template, 'AWS::SES::ReceiptRule'));
    expect(activation[0]!.DependsOn).toEqual(expect.arrayContaining(ruleIds));
  });

  it('the activation function may manage the active rule set and read only its own stack resource', () => {
    const { template } = buildStack();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet', 'ses:DescribeReceiptRuleSet'],
          }),
          Match.objectLike({ Action: 'cloudformation:DescribeStackResource', Resource: { Ref: 'AWS::StackId' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('activates the SES receipt rule set'),
      Handler: 'index.handler',
    });
  });
});
