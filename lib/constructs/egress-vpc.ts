// Opt-in egress mode "vpc-nat": the probe and drain run in private subnets and
// reach primaries through one NAT gateway with a fixed Elastic IP. Lambda can
// open port 25 only this way (and only after AWS lifts the account's limit);
// the IP is also what the primary can allow-list.
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { acceptFinding } from '../nag.js';

export class EgressVpc extends Construct {
  readonly vpc: ec2.Vpc;
  readonly securityGroup: ec2.SecurityGroup;
  readonly elasticIp: ec2.CfnEIP;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.elasticIp = new ec2.CfnEIP(this, 'ElasticIp', { domain: 'vpc' });
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      natGatewayProvider: ec2.NatProvider.gateway({ eipAllocationIds: [this.elasticIp.attrAllocationId] }),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      // Free gateway endpoints keep S3 and DynamoDB traffic off the NAT gateway.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
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
}
