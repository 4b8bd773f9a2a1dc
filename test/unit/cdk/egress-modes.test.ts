import { describe, expect, it } from 'vitest';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NAT_INSTANCE_IMAGE_PARAMETER, NAT_INSTANCE_TYPE } from '../../../lib/constructs/egress-vpc.js';
import { BASE_CONTEXT, buildStack, functionId, resources } from './stack-fixture.js';

const port25 = { ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0]!, primary: { host: 'mail.example.com', port: 25 } }] };
const ALLOCATION = 'eipalloc-0123456789abcdef0';

function nagViolations(context: Record<string, unknown>) {
  const { stack } = buildStack(context);
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  return report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
}

describe('egress "vpc-nat-instance"', () => {
  const { template, stack, app } = buildStack({ ...port25, egress: 'vpc-nat-instance' });

  it('puts one NAT instance behind a retained Elastic IP, and no NAT gateway', () => {
    expect(resources(template, 'AWS::EC2::NatGateway')).toEqual({});
    const instances = resources(template, 'AWS::EC2::Instance');
    expect(Object.keys(instances)).toHaveLength(1);
    const [instanceId, instance] = Object.entries(instances)[0]!;
    expect(instance.Properties!.InstanceType).toBe(NAT_INSTANCE_TYPE);
    expect(instance.Properties!.SourceDestCheck).toBe(false);
    const eips = template.findResources('AWS::EC2::EIP');
    expect(Object.keys(eips)).toHaveLength(1);
    const [eipId, eip] = Object.entries(eips)[0]!;
    expect(eip.DeletionPolicy).toBe('Retain');
    expect(eip.UpdateReplacePolicy).toBe('Retain');
    template.hasResourceProperties('AWS::EC2::EIPAssociation', {
      AllocationId: { 'Fn::GetAtt': [eipId, 'AllocationId'] },
      InstanceId: { Ref: instanceId },
    });
    template.hasOutput('EgressIp', { Value: { Ref: eipId } });
    template.hasOutput('EgressIpAllocationId', { Value: { 'Fn::GetAtt': [eipId, 'AllocationId'] } });
  });

  it('takes the image from the public SSM parameter at deploy time (no lookup at synth)', () => {
    const parameters = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    const image = Object.values(parameters).find((p) => p.Default === NAT_INSTANCE_IMAGE_PARAMETER);
    expect(image?.Type).toBe('AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>');
    expect(NAT_INSTANCE_IMAGE_PARAMETER).toMatch(/arm64$/); // t4g is Graviton
    // A context lookup would show up as missing context (and need AWS credentials at synth).
    expect(app.synth().manifest.missing ?? []).toEqual([]);
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

  it('sets up NAT with CDK\'s commands, the package install retried (the Elastic IP arrives during boot)', () => {
    const [instance] = Object.values(resources(template, 'AWS::EC2::Instance'));
    const script = String(instance!.Properties!.UserData['Fn::Base64']);
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
        template.hasResourceProperties('AWS::EC2::EIPAssociation', { AllocationId: ALLOCATION });
      }
      template.hasOutput('EgressIpAllocationId', { Value: ALLOCATION });
      expect(template.findOutputs('EgressIp')).toEqual({});
    });
  }

  it('vpc-nat without an allocation keeps its new Elastic IP on stack delete', () => {
    const { template } = buildStack({ ...port25, egress: 'vpc-nat' });
    const eip = Object.values(template.findResources('AWS::EC2::EIP'))[0]!;
    expect(eip.DeletionPolicy).toBe('Retain');
  });
});
