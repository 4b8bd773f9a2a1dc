// The bucket SES writes raw messages into, one prefix per route. It outlives
// the stack (and any replacement): the bytes are the last copy of mail not yet
// delivered. Only a failed first create removes it, empty, with the rest.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acceptFinding } from '../nag.js';

import { CANARY_PREFIX, MAIL_PREFIX } from '../../lambdas/config/mail-layout.js';
export { CANARY_PREFIX, MAIL_PREFIX, routePrefix } from '../../lambdas/config/mail-layout.js';

/** Objects outlive the longest queue lifetime by this much, for investigation and requeueing. */
export const EXTRA_RETENTION_DAYS = 30;

export interface MailBucketProps {
  queueLifetimeDays: number;
  /** ARN pattern of the receipt rules allowed to write (aws:SourceArn). */
  sesRuleArnPattern: string | string[];
}

export class MailBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: MailBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lifecycleRules: [
        {
          id: 'expire-mail',
          prefix: MAIL_PREFIX,
          expiration: Duration.days(props.queueLifetimeDays + EXTRA_RETENTION_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        // Canaries are dropped unread; a day is enough to look at a slow one.
        { id: 'expire-canaries', prefix: CANARY_PREFIX, expiration: Duration.days(1) },
      ],
    });
    // SES may write only for this account and only from our rule set's rules.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSesReceiptRules',
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${MAIL_PREFIX}*`)],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: { 'aws:SourceArn': props.sesRuleArnPattern },
        },
      }),
    );
    acceptFinding(
      this.bucket,
      'S1',
      'Only SES writes here (bucket policy bound to our rule set) and only the backup-mx Lambdas read; server access logs would need a second bucket and add cost without covering a real access path. Enable CloudTrail S3 data events if you need an audit trail.',
    );
  }

  /** The bucket policy; SES checks it when a rule is created, so rules depend on it. */
  get policy(): s3.BucketPolicy {
    return this.bucket.policy!;
  }
}
