// Read access to the routes' SMTP AUTH secrets, for the functions that talk
// to the primaries (probe, drain).
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { acceptFinding } from '../nag.js';
import type { BackupMxFunction } from './backup-mx-function.js';

/** Read access to each route's SMTP AUTH secret, by name. */
export function grantAuthSecrets(target: BackupMxFunction, names: string[]): void {
  names.forEach((name, i) => secretsmanager.Secret.fromSecretNameV2(target, `AuthSecret${i}`, name).grantRead(target.fn));
  if (names.length === 0) return;
  // A secret encrypted with a customer managed key also needs kms:Decrypt on
  // that key; the key is not known here, so allow it only through Secrets
  // Manager and only for these secrets (the encryption context names the secret).
  const stack = Stack.of(target);
  target.fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` },
        StringLike: {
          'kms:EncryptionContext:SecretARN': names.map((name) => `arn:${stack.partition}:secretsmanager:${stack.region}:${stack.account}:secret:${name}-??????`),
        },
      },
    }),
  );
  acceptFinding(
    target,
    'IAM5[Resource::*]',
    'kms:Decrypt of a customer key is limited to Secrets Manager (kms:ViaService) decrypting the named AUTH secrets (encryption context); the key ARN is the user\'s.',
  );
}
