// Opt-in egress modes: the probe and drain run in private subnets and reach
// primaries through one NAT with a fixed Elastic IP. Lambda can open port 25
// only this way (and only after AWS lifts the limit for that IP); the IP is
// also what the primary can allow-list.
//   "vpc-nat":          a managed NAT gateway (~$36/month + $0.045/GB)
//   "vpc-nat-instance": one t4g.nano NAT instance (~$7.40/month, no per-GB fee)
// The Elastic IP is either an existing allocation (elasticIpAllocationId) or
// one made here and kept when the stack is deleted: losing it would lose the
// port-25 allowance and every allow-list entry that names it.
//
// No two resources of the stack ever claim the allocation, across a new NAT
// image or a switch of mode (an AWS::EC2::EIPAssociation is replaced when its
// instance is, and the new one, created first, fails with "already exists":
// aws-cdk#26423). The NAT gateway takes it at creation; the NAT instance takes
// it itself once booted (natUserData), from whoever holds it, waits while a
// NAT gateway of the previous mode still does (CloudFormation deletes that one
// at the end of the deploy), and takes it back if it loses it in its first
// two hours. The image is pinned at the first deploy (a lookup cached in
// cdk.context.json), so a deploy never replaces the instance unless asked to
// (README: Port 25).
import { createHash } from 'node:crypto';
import { Aspects, ContextProvider, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DeployCheckError } from '../checks/deploy-checks.js';
import type { EgressMode } from '../config/egress.js';
import { acceptFinding } from '../nag.js';

export interface EgressVpcProps {
  mode: Exclude<EgressMode, 'none'>;
  /** Reuse this allocation instead of creating an Elastic IP. */
  elasticIpAllocationId?: string;
}

/** NAT instance size: SMTP relaying of a backlog needs little CPU and no burst credits of note. */
export const NAT_INSTANCE_TYPE = 't4g.nano';

/** AWS's public SSM parameter naming the current Amazon Linux 2023 for arm64 (t4g). */
export const NAT_INSTANCE_IMAGE_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';

/**
 * The NAT instance's image: the parameter's value at the first synth with the
 * account known, then kept in cdk.context.json under natImageContextKey().
 * Without the pin CloudFormation would read the parameter at every deploy and
 * replace the instance whenever AWS publishes a new image.
 */
export function natInstanceImage(): ec2.IMachineImage {
  return ec2.MachineImage.fromSsmParameter(NAT_INSTANCE_IMAGE_PARAMETER, { os: ec2.OperatingSystemType.LINUX, cachedInContext: true });
}

/** The cdk.context.json key of the pinned image (`npx cdk context --reset <key>` takes the newest at the next deploy). */
export function natImageContextKey(scope: Construct): string {
  return ContextProvider.getKey(scope, { provider: cxschema.ContextProvider.SSM_PARAMETER_PROVIDER, props: { parameterName: NAT_INSTANCE_IMAGE_PARAMETER } }).key;
}

/**
 * How long after boot the NAT instance sees to it that it holds the Elastic
 * IP: past the end of the deploy that made it, when CloudFormation deletes
 * what held the IP before (a NAT gateway of the previous mode, or the
 * EIPAssociation of an older version of this stack).
 */
export const TAKE_ELASTIC_IP_SECONDS = 7_200;
/** Between two looks at who holds the IP (it is moved only when another holds it: each move is billed past 100 a month). */
export const TAKE_ELASTIC_IP_EVERY_SECONDS = 30;

/**
 * CDK's NAT set-up commands, with the package install retried (it runs from
 * the instance's own public address), then, in the background, the instance
 * takes the Elastic IP (AssociateAddress moves it from a previous instance;
 * a NAT gateway gives it up only when deleted, so it keeps trying) and takes
 * it back if it loses it, for TAKE_ELASTIC_IP_SECONDS. User data runs at the
 * first boot only: natInstanceReplacedWithUserData makes a change of it a new
 * instance.
 */
export function natUserData(allocationId: string): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  const [install, ...rest] = ec2.NatInstanceProviderV2.DEFAULT_USER_DATA_COMMANDS;
  const looks = TAKE_ELASTIC_IP_SECONDS / TAKE_ELASTIC_IP_EVERY_SECONDS;
  userData.addCommands(
    `for attempt in $(seq 1 30); do ${install} && break; sleep 10; done`,
    ...rest,
    'imds() { curl -sf -H "X-aws-ec2-metadata-token: $(curl -sf -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http://169.254.169.254/latest/api/token)" "http://169.254.169.254/latest/meta-data/$1"; }',
    'REGION="$(imds placement/region)"; SELF="$(imds instance-id)"',
    `holder() { aws ec2 describe-addresses --region "$REGION" --allocation-ids ${allocationId} --query 'Addresses[0].InstanceId' --output text; }`,
    `( for look in $(seq 1 ${looks}); do [ "$(holder)" = "$SELF" ] || aws ec2 associate-address --region "$REGION" --instance-id "$SELF" --allocation-id ${allocationId}; sleep ${TAKE_ELASTIC_IP_EVERY_SECONDS}; done ) >>/var/log/backup-mx-egress-ip.log 2>&1 &`,
  );
  return userData;
}

/**
 * Makes a change of the NAT instance's user data a new instance (its logical
 * id carries a digest of it, as ec2.Instance's userDataCausesReplacement
 * does; the NAT provider does not pass that on). CloudFormation would
 * otherwise stop and start the instance with a script that never runs again:
 * a stack upgraded from the EIPAssociation would lose the IP for good.
 */
function natInstanceReplacedWithUserData(instance: ec2.Instance, userData: ec2.UserData): void {
  const cfn = instance.node.defaultChild as ec2.CfnInstance;
  const stack = Stack.of(instance);
  const original = stack.getLogicalId(cfn);
  const digest = createHash('sha256').update(JSON.stringify(stack.resolve(userData.render()))).digest('hex').slice(0, 8).toUpperCase();
  cfn.overrideLogicalId(`${original}${digest}`);
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
      // Kept on delete and replacement; a failed first create releases it (nothing allow-lists it yet).
      this.elasticIp.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
      this.allocationId = this.elasticIp.attrAllocationId;
    }

    if (props.mode === 'vpc-nat-instance' && Token.isUnresolved(Stack.of(this).account)) {
      throw new DeployCheckError([
        'backupMx.egress: "vpc-nat-instance" pins the NAT instance\'s image at the first deploy (a lookup of ' + NAT_INSTANCE_IMAGE_PARAMETER +
          ' cached in cdk.context.json), which needs the AWS account: run `npx cdk synth`/`deploy` with AWS credentials (the CDK CLI then sets CDK_DEFAULT_ACCOUNT)',
      ]);
    }
    const natScript = natUserData(this.allocationId);
    const natInstances =
      props.mode === 'vpc-nat-instance'
        ? ec2.NatProvider.instanceV2({
            instanceType: new ec2.InstanceType(NAT_INSTANCE_TYPE),
            machineImage: natInstanceImage(),
            // A public address at boot so the user data can install iptables; the
            // Elastic IP replaces it once the instance has taken it.
            associatePublicIpAddress: true,
            // Only the VPC's own hosts may send through it (added below), not the internet.
            defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
            userData: natScript,
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
      natInstanceReplacedWithUserData(instance, natScript);
      this.letInstanceTakeElasticIp(instance);
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

  /**
   * The instance associates the Elastic IP with itself at boot (natUserData):
   * this allocation only. AssociateAddress also names the instance (and may
   * check its network interface), which are not known before the instance
   * exists; only code running on the NAT instance could use the grant, and
   * at worst it moves this stack's egress IP within the account.
   */
  private letInstanceTakeElasticIp(instance: ec2.Instance): void {
    const stack = Stack.of(this);
    const arn = (resource: string) => `arn:${stack.partition}:ec2:${stack.region}:${stack.account}:${resource}`;
    instance.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ec2:AssociateAddress'],
        resources: [arn(`elastic-ip/${this.allocationId}`), arn('instance/*'), arn('network-interface/*')],
      }),
    );
    // Who holds it (no resource-level permissions: "*"); read-only.
    instance.addToRolePolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeAddresses'], resources: ['*'] }));
    acceptFinding(instance, 'IAM5[Resource::*]', 'ec2:DescribeAddresses supports no resource-level permissions; the NAT instance only reads who holds its Elastic IP.');
    for (const kind of ['instance', 'network-interface']) {
      acceptFinding(
        instance,
        `IAM5[Resource::arn:<AWS::Partition>:ec2:${stack.region}:${stack.account}:${kind}/*]`,
        'The NAT instance takes the egress Elastic IP itself at boot (no EIPAssociation, which collides when the instance is replaced): AssociateAddress of this one allocation, naming itself, unknown before it exists.',
      );
    }
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
