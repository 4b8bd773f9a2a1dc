// Deploys that change the egress: a new NAT image, and a switch between
// "vpc-nat-instance" and "vpc-nat", each way, with a created Elastic IP and
// with an existing allocation. CloudFormation creates a new or replaced
// resource before it deletes the old one, so two resources claiming one
// allocation across a deploy collide ("already exists", aws-cdk#26423: an
// EIPAssociation replaced with its instance). Read off the two templates: at
// most one resource claims the allocation, and one present in both is not
// replaced (its properties and what it refers to stay). The Elastic IP itself
// keeps its logical id and properties, so no switch replaces it.
import { describe, expect, it } from 'vitest';
import type { Template } from 'aws-cdk-lib/assertions';
import { BASE_CONTEXT, buildStack, pinnedNatImageContext, TEST_ACCOUNT } from '../../support/cdk/stack-fixture.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const port25 = { ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0]!, primary: { host: 'mail.example.com', port: 25 } }] };
const ALLOCATION = 'eipalloc-0123456789abcdef0';
const IMAGE_1 = 'ami-0aaaaaaaaaaaaaaa1';
const IMAGE_2 = 'ami-0bbbbbbbbbbbbbbb2';

/** Both modes as a real deploy builds them: with the account, and cdk.context.json holding the image and zones. */
function template(mode: 'vpc-nat' | 'vpc-nat-instance', options: { image?: string; allocation?: boolean } = {}): Resources {
  const egress = options.allocation ? { mode, elasticIpAllocationId: ALLOCATION } : mode;
  const built = buildStack({ ...port25, egress }, { account: TEST_ACCOUNT, cdkContext: pinnedNatImageContext('us-east-1', options.image ?? IMAGE_1) });
  return (built.template as Template).toJSON().Resources as Resources;
}

/** The allocation as the template writes it: the created Elastic IP's attribute, or the given id. */
function allocationOf(resources: Resources): string {
  const eip = Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::EC2::EIP');
  return eip ? JSON.stringify({ 'Fn::GetAtt': [eip, 'AllocationId'] }) : JSON.stringify(ALLOCATION);
}

/** Resources that hold the allocation: any that names it but the instance (whose boot script takes it) and IAM policies. */
function claimants(resources: Resources): string[] {
  const allocation = allocationOf(resources);
  return Object.entries(resources)
    .filter(([, r]) => !['AWS::EC2::Instance', 'AWS::IAM::Policy'].includes(r.Type) && JSON.stringify(r.Properties ?? {}).includes(allocation))
    .map(([id]) => id);
}

/** Resources of `after` that CloudFormation replaces: an instance with another image, and whatever refers to a replaced one. */
function replaced(before: Resources, after: Resources): Set<string> {
  const out = new Set(
    Object.keys(after).filter((id) => after[id]!.Type === 'AWS::EC2::Instance' && before[id] && JSON.stringify(before[id]!.Properties!.ImageId) !== JSON.stringify(after[id]!.Properties!.ImageId)),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const [id, r] of Object.entries(after)) {
      if (out.has(id) || !before[id]) continue;
      const text = JSON.stringify(r.Properties ?? {});
      if ([...out].some((gone) => text.includes(`{"Ref":"${gone}"}`) || text.includes(`["${gone}",`))) {
        out.add(id);
        grew = true;
      }
    }
  }
  return out;
}

/** Why deploying `after` over `before` would have two claims on the allocation at once, or undefined. */
function collision(before: Resources, after: Resources): string | undefined {
  const [was, will] = [claimants(before), claimants(after)];
  const all = [...new Set([...was, ...will])];
  if (all.length > 1) return `${all.join(' and ')} both claim the allocation`;
  const [only] = all;
  if (only && was.includes(only) && will.includes(only)) {
    if (JSON.stringify(before[only]!.Properties) !== JSON.stringify(after[only]!.Properties)) return `${only} changes`;
    if (replaced(before, after).has(only)) return `${only} is replaced with what it refers to`;
  }
  return undefined;
}

describe('egress changes never put two claims on the Elastic IP', () => {
  for (const allocation of [false, true]) {
    const label = allocation ? 'an existing allocation' : 'the created Elastic IP';
    const instance1 = template('vpc-nat-instance', { image: IMAGE_1, allocation });
    const instance2 = template('vpc-nat-instance', { image: IMAGE_2, allocation });
    const gateway = template('vpc-nat', { allocation });

    it(`${label}: a new NAT image replaces the instance and nothing that holds the IP`, () => {
      expect(replaced(instance1, instance2).size).toBeGreaterThan(0);
      const changed = Object.keys(instance2).filter((id) => JSON.stringify(instance1[id]) !== JSON.stringify(instance2[id]));
      expect(changed.map((id) => instance2[id]!.Type)).toEqual(['AWS::EC2::Instance']);
      expect(collision(instance1, instance2)).toBeUndefined();
    });

    it(`${label}: vpc-nat-instance → vpc-nat and back, no second claim in the templates`, () => {
      expect(claimants(gateway).map((id) => gateway[id]!.Type)).toEqual(['AWS::EC2::NatGateway']);
      expect(claimants(instance1)).toEqual([]);
      expect(collision(instance1, gateway)).toBeUndefined();
      expect(collision(gateway, instance1)).toBeUndefined();
    });

    if (!allocation) {
      it('the Elastic IP keeps its logical id, its properties and its retention in every mode and image', () => {
        const eips = [instance1, instance2, gateway].map((r) => Object.entries(r).filter(([, x]) => x.Type === 'AWS::EC2::EIP'));
        for (const found of eips) expect(found).toHaveLength(1);
        expect(new Set(eips.map(([[id, eip]]) => JSON.stringify([id, eip]))).size).toBe(1);
        expect((eips[0]![0]![1] as { DeletionPolicy?: string }).DeletionPolicy).toBe('RetainExceptOnCreate');
      });
    }
  }

  it('a deploy over the version with the EIPAssociation makes a new instance, whose script takes the IP', () => {
    // The NAT instance of that version, as it was deployed (its script never ran the association).
    const previousInstance = 'EgressVpcpublicSubnet1NatInstance1E8B9BD5';
    const now = template('vpc-nat-instance');
    const [instance] = Object.keys(now).filter((id) => now[id]!.Type === 'AWS::EC2::Instance');
    expect(instance).toMatch(new RegExp(`^${previousInstance}[0-9A-F]{8}$`));
    expect(claimants(now)).toEqual([]);
  });

  it('the check sees the collision the old EIPAssociation made (aws-cdk#26423)', () => {
    const instance1 = template('vpc-nat-instance', { image: IMAGE_1 });
    const instance2 = template('vpc-nat-instance', { image: IMAGE_2 });
    const gateway = template('vpc-nat');
    const eip = Object.keys(instance1).find((id) => instance1[id]!.Type === 'AWS::EC2::EIP')!;
    const nat = Object.keys(instance1).find((id) => instance1[id]!.Type === 'AWS::EC2::Instance')!;
    const association = { Type: 'AWS::EC2::EIPAssociation', Properties: { AllocationId: { 'Fn::GetAtt': [eip, 'AllocationId'] }, InstanceId: { Ref: nat } } };
    const withAssociation = (r: Resources) => ({ ...r, EgressElasticIpAssociationA9C83AE2: association });
    expect(collision(withAssociation(instance1), withAssociation(instance2))).toMatch(/replaced with what it refers to/);
    expect(collision(withAssociation(instance1), gateway)).toMatch(/both claim the allocation/);
  });
});
