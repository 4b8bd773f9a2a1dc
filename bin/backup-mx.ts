// CDK app entry: read the backupMx context once, check it, build the stack.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BackupMxConfigError, parseBackupMxConfig } from '../lib/config/backup-mx-config.js';
import { BackupMxStack } from '../lib/backup-mx-stack.js';
import { deployedPrimaryProblems } from '../lib/config/deployed-primary.js';
import { DeployCheckError } from '../lib/checks/deploy-checks.js';

const app = new App();
try {
  const config = parseBackupMxConfig(app.node.tryGetContext('backupMx'), {
    region: process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION,
  });
  const unreachable = deployedPrimaryProblems(config);
  if (unreachable.length > 0) throw new BackupMxConfigError(unreachable);
  new BackupMxStack(app, config.stackName, { config, env: { account: process.env.CDK_DEFAULT_ACCOUNT } });
  // cdk-nag (AwsSolutions) runs on every synth; accepted findings carry their reasons in the stack.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
} catch (error) {
  if (error instanceof BackupMxConfigError || error instanceof DeployCheckError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
