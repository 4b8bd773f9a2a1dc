import { describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NAT_INSTANCE_IMAGE_PARAMETER, NAT_INSTANCE_TYPE, natImageContextKey, TAKE_ELASTIC_IP_EVERY_SECONDS, TAKE_ELASTIC_IP_SECONDS } from '../../../lib/constructs/egress-vpc.js';
import { evaluateCfn } from '../../support/cdk/cfn-evaluate.js';
import { isAllowed, roleStatements } from '../../support/cdk/iam-evaluate.js';
import { BASE_CONTEXT, buildStack, functionId, PINNED_NAT_IMAGE, pinnedNatImageContext, resources, TEST_ACCOUNT } from '../../support/cdk/stack-fixture.js';

const port25 = { ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0]!, primary: { host: 'mail.example.com', port: 25 } }] };
const ALLOCATION = 'eipalloc-0123456789abcdef0';

function nagViolations(context: Record<string, unknown>) {
  const { stack } = buildStack(context);
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  return report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('egress "vpc-nat-instance"', () => {
  const { template, stack, app } = buildStack({ ...port25, egress: 'vpc-nat-instance' });

  it('names its launch template after the stack, so a second stack in the account does not collide (cdk.json flag)', () => {
    const names = Object.values(resources(template, 'AWS::EC2::LaunchTemplate')).map((t) => t.Properties!.LaunchTemplateName);
    expect(names).toHaveLength(1);
    expect(names[0]).not.toBe('NatInstanceLaunchTemplate');
    expect(JSON.stringify(names[0])).toContain('BackupMx');
  });

  it('puts one NAT instance behind a retained Elastic IP, and no NAT gateway', () => {
    expect(resources(template, 'AWS::EC2::NatGateway')).toEqual({});
    const instances = resources(template, 'AWS::EC2::Instance');
    expect(Object.keys(instances)).toHaveLength(1);
    const [, instance] = Object.entries(instances)[0]!;
    expect(instance.Properties!.InstanceType).toBe(NAT_INSTANCE_TYPE);
    expect(instance.Properties!.SourceDestCheck).toBe(false);
    const eips = template.findResources('AWS::EC2::EIP');
    expect(Object.keys(eips)).toHaveLength(1);
    const [eipId, eip] = Object.entries(eips)[0]!;
    expect(eip.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(eip.UpdateReplacePolicy).toBe('Retain');
    // No EIPAssociation: one replaced with its instance collides with itself (aws-cdk#26423); the instance takes the IP.
    expect(resources(template, 'AWS::EC2::EIPAssociation')).toEqual({});
    template.hasOutput('EgressIp', { Value: { Ref: eipId } });
    template.hasOutput('EgressIpAllocationId', { Value: { 'Fn::GetAtt': [eipId, 'AllocationId'] } });
  });

  it('the instance takes the Elastic IP itself once booted, and back while a previous holder may still let go of it', () => {
    const [instance] = Object.values(resources(template, 'AWS::EC2::Instance'));
    const eipId = Object.keys(template.findResources('AWS::EC2::EIP'))[0]!;
    const script = String(evaluateCfn(instance!.Properties!.UserData['Fn::Base64']));
    const lines = script.split('\n');
    const take = lines.findIndex((l) => l.includes('aws ec2 associate-address'));
    expect(take).toBeGreaterThan(lines.findIndex((l) => l.includes('MASQUERADE'))); // NAT works first, from its own public address
    expect(lines[take]).toContain(`--allocation-id <${eipId}.AllocationId>`);
    expect(lines[take]).toContain('--instance-id "$SELF"');
    // Moved only when another holds it (each move is billed past 100 a month), in the background, for two hours.
    expect(lines[take]).toMatch(new RegExp(`^\\( for look in \\$\\(seq 1 ${TAKE_ELASTIC_IP_SECONDS / TAKE_ELASTIC_IP_EVERY_SECONDS}\\); do \\[ "\\$\\(holder\\)" = "\\$SELF" \\] \\|\\| aws ec2 associate-address .*; sleep ${TAKE_ELASTIC_IP_EVERY_SECONDS}; done \\) .*&$`));
    expect(script).toContain(`--allocation-ids <${eipId}.AllocationId> --query 'Addresses[0].InstanceId'`);
    expect(TAKE_ELASTIC_IP_SECONDS).toBeGreaterThanOrEqual(3_600); // outlasts the end of the deploy that deletes the previous holder
    // IMDSv2 (a token first): the instance requires it.
    expect(script).toContain('X-aws-ec2-metadata-token-ttl-seconds');
  });

  it('a change of that script is a new instance (user data runs only at the first boot)', () => {
    const ids = (t: typeof template) => Object.keys(resources(t, 'AWS::EC2::Instance'));
    const { template: other } = buildStack({ ...port25, egress: { mode: 'vpc-nat-instance', elasticIpAllocationId: 'eipalloc-0123456789abcdef0' } });
    expect(ids(other)).toHaveLength(1);
    expect(ids(other)).not.toEqual(ids(template));
    // Stable when nothing changes: the same configuration gives the same id.
    expect(ids(buildStack({ ...port25, egress: 'vpc-nat-instance' }).template)).toEqual(ids(template));
  });

  it('its role may associate this allocation and nothing else of EC2', () => {
    const [instance] = Object.values(resources(template, 'AWS::EC2::Instance'));
    const profile = resources(template, 'AWS::IAM::InstanceProfile')[instance!.Properties!.IamInstanceProfile.Ref]!;
    const statements = roleStatements(template, profile.Properties!.Roles[0].Ref);
    const eipId = Object.keys(template.findResources('AWS::EC2::EIP'))[0]!;
    const arn = (resource: string) => `arn:<AWS::Partition>:ec2:us-east-1:${TEST_ACCOUNT}:${resource}`;
    const may = (action: string, resource: string) => isAllowed(statements, { action, resource, context: {} });
    expect(may('ec2:AssociateAddress', arn(`elastic-ip/<${eipId}.AllocationId>`))).toBe(true);
    expect(may('ec2:AssociateAddress', arn('instance/i-0123456789abcdef0'))).toBe(true);
    expect(may('ec2:AssociateAddress', arn('elastic-ip/eipalloc-0fffffffffffffff0'))).toBe(false);
    expect(may('ec2:DescribeAddresses', '*')).toBe(true);
    for (const action of ['ec2:DisassociateAddress', 'ec2:ReleaseAddress', 'ec2:CreateNatGateway', 'ec2:TerminateInstances']) {
      expect(may(action, arn(`elastic-ip/<${eipId}.AllocationId>`)), action).toBe(false);
    }
  });

  it('pins the image: the value cdk.context.json holds at the first deploy, not the parameter at every deploy', () => {
    const [instance] = Object.values(resources(template, 'AWS::EC2::Instance'));
    expect(instance!.Properties!.ImageId).toBe(PINNED_NAT_IMAGE);
    expect(JSON.stringify(template.toJSON())).not.toContain(NAT_INSTANCE_IMAGE_PARAMETER);
    expect(NAT_INSTANCE_IMAGE_PARAMETER).toMatch(/arm64$/); // t4g is Graviton
    // Answered from context: no lookup left to do (and none needs the network in tests).
    expect(app.synth().manifest.missing ?? []).toEqual([]);
    expect(natImageContextKey(stack)).toBe(`ssm:account=${TEST_ACCOUNT}:parameterName=${NAT_INSTANCE_IMAGE_PARAMETER}:region=us-east-1`);
  });

  it('a first synth without the pinned image asks the CDK CLI to look it up once (then cached in cdk.context.json)', () => {
    const { [natImageContextKey(stack)]: _image, ...zonesOnly } = pinnedNatImageContext('us-east-1');
    const fresh = buildStack({ ...port25, egress: 'vpc-nat-instance' }, { cdkContext: zonesOnly });
    const missing = fresh.app.synth().manifest.missing ?? [];
    expect(missing.map((m) => m.key)).toEqual([natImageContextKey(fresh.stack)]);
    expect(missing[0]!.provider).toBe('ssm');
  });

  it('without the account (no AWS credentials) synth stops, naming why and what to do', () => {
    expect(() => buildStack({ ...port25, egress: 'vpc-nat-instance' }, { account: '', cdkContext: {} })).toThrow(/vpc-nat-instance" pins the NAT instance's image.*needs the AWS account.*credentials/);
  });

  it('the private subnets route through the instance; the probe and drain sit in them', () => {
    const instanceId = Object.keys(resources(template, 'AWS::EC2::Instance'))[0]!;
    const natRoutes = Object.values(resources(template, 'AWS::EC2::Route')).filter((r) => r.Properties!.InstanceId);
    expect(natRoutes).toHaveLength(2);
    for (const route of natRoutes) expect(route.Properties!.InstanceId).toEqual({ Ref: instanceId });
    const fns = resources(template, 'AWS::Lambda::Function');
    for (const text of ['checks each primary', 'delivers one route queue']) {
      expect(fns[functionId(template, text)]!.Properties!.VpcConfig?.SubnetIds).toHaveLength(2);
    }
  });

  it('the instance accepts traffic only from the VPC, not from the internet', () => {
    const instance = Object.values(resources(template, 'AWS::EC2::Instance'))[0]!;
    const [nic] = instance.Properties!.NetworkInterfaces as { GroupSet: { 'Fn::GetAtt': [string, string] }[] }[];
    const groupIds = nic!.GroupSet.map((g) => g['Fn::GetAtt'][0]);
    expect(groupIds.length).toBeGreaterThan(0);
    const groups = resources(template, 'AWS::EC2::SecurityGroup');
    for (const id of groupIds) {
      const ingress = groups[id]!.Properties!.SecurityGroupIngress as { CidrIp: unknown }[];
      expect(ingress.length).toBeGreaterThan(0);
      for (const rule of ingress) {
        expect(rule.CidrIp).not.toBe('0.0.0.0/0');
        expect(rule.CidrIp).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Vpc/), 'CidrBlock'] });
      }
    }
  });

  it('the instance answers metadata requests only with IMDSv2 tokens', () => {
    const [instance] = Object.values(resources(template, 'AWS::EC2::Instance'));
    const templateId = (instance!.Properties!.LaunchTemplate as { LaunchTemplateName: unknown } | undefined) ? Object.keys(resources(template, 'AWS::EC2::LaunchTemplate'))[0] : undefined;
    expect(templateId).toBeDefined();
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } });
  });

  it('sets up NAT with CDK\'s commands, the package install retried', () => {
    const [instance] = Object.values(resources(template, 'AWS::EC2::Instance'));
    const script = String(evaluateCfn(instance!.Properties!.UserData['Fn::Base64']));
    expect(script).toMatch(/for attempt in \$\(seq 1 30\); do yum install iptables-services -y && break; sleep 10; done/);
    expect(script).toContain('-j MASQUERADE');
    expect(script).toContain('net.ipv4.ip_forward=1');
  });

  it('port 25 gives no warning with a NAT instance', () => {
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('port 25'))).toEqual([]);
  });

  it('is cdk-nag clean (accepted findings carry reasons)', () => {
    expect(nagViolations({ ...port25, egress: 'vpc-nat-instance' })).toEqual([]);
    expect(nagViolations({ ...port25, egress: { mode: 'vpc-nat-instance', elasticIpAllocationId: ALLOCATION } })).toEqual([]);
  });
});

describe('an existing Elastic IP allocation', () => {
  for (const mode of ['vpc-nat', 'vpc-nat-instance'] as const) {
    it(`${mode}: uses the allocation and creates no Elastic IP`, () => {
      const { template } = buildStack({ ...port25, egress: { mode, elasticIpAllocationId: ALLOCATION } });
      expect(template.findResources('AWS::EC2::EIP')).toEqual({});
      if (mode === 'vpc-nat') {
        template.hasResourceProperties('AWS::EC2::NatGateway', { AllocationId: ALLOCATION });
      } else {
        const [instance] = Object.values(resources(template, 'AWS::EC2::Instance'));
        expect(String(evaluateCfn(instance!.Properties!.UserData['Fn::Base64']))).toContain(`--allocation-id ${ALLOCATION}`);
      }
      template.hasOutput('EgressIpAllocationId', { Value: ALLOCATION });
      expect(template.findOutputs('EgressIp')).toEqual({});
    });
  }

  it('vpc-nat without an allocation keeps its new Elastic IP on stack delete', () => {
    const { template } = buildStack({ ...port25, egress: 'vpc-nat' });
    const eip = Object.values(template.findResources('AWS::EC2::EIP'))[0]!;
    expect(eip.DeletionPolicy).toBe('RetainExceptOnCreate');
  });
});
