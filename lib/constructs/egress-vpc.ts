// Opt-in egress modes: the probe and drain run in private subnets and reach
// primaries through one NAT with a fixed Elastic IP. Lambda can open port 25
// only this way (and only after AWS lifts the limit for that IP); the IP is
// also what the primary can allow-list.
//   "vpc-nat":          a managed NAT gateway (~$36/month + $0.045/GB)
//   "vpc-nat-instance": one t4g.nano NAT instance (~$7.40/month, no per-GB fee)
// The Elastic IP is either an existing allocation (elasticIpAllocationId) or
// one made here and kept when the stack is deleted: losing it would lose the
// port-25 allowance and every allow-list entry that names it.
import { Aspects, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { EgressMode } from '../config/egress.js';
import { acceptFinding } from '../nag.js';

export interface EgressVpcProps {
  mode: Exclude<EgressMode, 'none'>;
  /** Reuse this allocation instead of creating an Elastic IP. */
  elasticIpAllocationId?: string;
}

/** NAT instance size: SMTP relaying of a backlog needs little CPU and no burst credits of note. */
export const NAT_INSTANCE_TYPE = 't4g.nano';

/**
 * Current Amazon Linux 2023 for arm64 (t4g), from AWS's public SSM parameter:
 * CloudFormation resolves it at deploy time, so synth needs no AWS lookup.
 */
export const NAT_INSTANCE_IMAGE_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';

/**
 * CDK's NAT set-up commands, with the package install retried: the Elastic IP
 * is associated while the instance boots, which can cut a download short, and
 * user data runs only once.
 */
export function natUserData(): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  const [install, ...rest] = ec2.NatInstanceProviderV2.DEFAULT_USER_DATA_COMMANDS;
  userData.addCommands(`for attempt in $(seq 1 30); do ${install} && break; sleep 10; done`, ...rest);
  return userData;
}

export class EgressVpc extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  /** The created Elastic IP (undefined when an existing allocation is used). */
  readonly elasticIp?: ec2.CfnEIP;
  /** Allocation id of the egress IP (created or given). */
  readonly allocationId: string;
  /** The NAT instance (mode "vpc-nat-instance"). */
  readonly natInstance?: ec2.Instance;

  constructor(scope: Construct, id: string, props: EgressVpcProps) {
    super(scope, id);
    if (props.elasticIpAllocationId) {
      this.allocationId = props.elasticIpAllocationId;
    } else {
      this.elasticIp = new ec2.CfnEIP(this, 'ElasticIp', { domain: 'vpc' });
      this.elasticIp.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.allocationId = this.elasticIp.attrAllocationId;
    }

    const natInstances =
      props.mode === 'vpc-nat-instance'
        ? ec2.NatProvider.instanceV2({
            instanceType: new ec2.InstanceType(NAT_INSTANCE_TYPE),
            machineImage: ec2.MachineImage.fromSsmParameter(NAT_INSTANCE_IMAGE_PARAMETER, { os: ec2.OperatingSystemType.LINUX }),
            // A public address at boot so the user data can install iptables; the
            // Elastic IP replaces it once associated.
            associatePublicIpAddress: true,
            // Only the VPC's own hosts may send through it (added below), not the internet.
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            userData: natUserData(),
          })
        : undefined;

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: natInstances ?? ec2.NatProvider.gateway({ eipAllocationIds: [this.allocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      // Free gateway endpoints keep S3 and DynamoDB traffic off the NAT.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });

    if (natInstances) {
      natInstances.connections.allowFrom(ec2.Peer.ipv4(this.vpc.vpcCidrBlock), ec2.Port.allTraffic(), 'backup-mx Lambdas in the private subnets');
      const instance = natInstances.gatewayInstances[0]!;
      this.natInstance = instance;
      // IMDSv2 only: a forwarded request can never read the instance's metadata credentials.
      Aspects.of(instance).add(new ec2.InstanceRequireImdsv2Aspect());
      new ec2.CfnEIPAssociation(this, 'ElasticIpAssociation', { allocationId: this.allocationId, instanceId: instance.instanceId });
      this.acceptNatInstanceFindings(instance, natInstances);
    }

    this.securityGroup = new ec2.SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc: this.vpc,
      description: 'backup-mx probe and drain: outbound only (SMTP to primaries, AWS APIs)',
      allowAllOutbound: true,
    });
    acceptFinding(
      this.vpc,
      'VPC7',
      'The VPC only carries outbound SMTP from two Lambdas, which log every attempt themselves; flow logs would add cost to an otherwise idle stack. Add one if your policy requires it.',
    );
  }

  private acceptNatInstanceFindings(instance: ec2.Instance, provider: ec2.NatInstanceProviderV2): void {
    acceptFinding(
      instance,
      'EC28',
      'Detailed monitoring costs more than the NAT instance itself; the probe reports the primary unreachable within a minute when the NAT fails.',
    );
    acceptFinding(
      instance,
      'EC29',
      'The NAT instance holds no data and is rebuilt by CloudFormation from the public Amazon Linux image; termination protection would block stack updates that replace it.',
    );
    acceptFinding(
      instance,
      'EC26',
      'The NAT instance root volume holds only the stock Amazon Linux image and iptables rules; no mail or credentials touch it (traffic is forwarded, not stored).',
    );
    acceptFinding(
      provider.securityGroup,
      'EC23',
      'Inbound is allowed only from the VPC CIDR (the Lambdas it forwards for); nothing from the internet can reach the instance.',
    );
  }
}
