// What a command works on: the deployed stack (default) or the local backup MX
// of `npm start` (--local). Built once per command; every verb reads and
// writes through the same engine ports the Lambdas use.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoPushKey } from '../lambdas/adapters/aws/dynamo-push-key.js';
import type { DynamoTriggerKey } from '../lambdas/adapters/aws/dynamo-trigger-key.js';
import type { Engine } from '../lambdas/app/engine.js';
import type { Settings } from '../lambdas/config/settings.js';
import type { OperatorActions } from '../lambdas/core/operator/operator-actions.js';
import type { DrainSummary } from '../lambdas/core/drain/drain-summary.js';
import type { Route } from '../lambdas/core/model.js';
import type { MailSpool } from '../local/snapshot.js';
import type { CliLog } from './cli-log.js';
import { UsageError } from './errors.js';

/** Facts about the deployed stack that only the AWS checks need. */
export interface StackFacts {
  stackName: string;
  drainFunctionName: string;
  ruleSetName?: string;
  /** The user's own set our rules are copied into (ruleSet.hostRuleSet), when configured. */
  hostRuleSetName?: string;
  alarmTopicArn?: string;
  /** The user's own topics every alarm publishes to (alarms.topicArns), whose policies doctor reads. */
  alarmChannelTopicArns?: string[];
  /** The "I'm back" function, whose reserved concurrency doctor checks. */
  triggerFunctionName?: string;
  /** The recipient push's function, found among the stack's resources (doctor checks its reserved concurrency). */
  recipientPushFunctionName?: string;
}

/**
 * The deployed stack only: what doctor and trigger-url read of the account
 * beside the mail (SES identities and rule sets, the alarm topics, the
 * trigger function, the trigger key in the state table), built with the target.
 */
export interface AccountReaders {
  ses: SESClient;
  sns: SNSClient;
  lambda: LambdaClient;
  triggerKeys: Pick<DynamoTriggerKey, 'read' | 'getOrCreate' | 'importKey'>;
  /** The recipient push's stack key (pushkey#recipients), which `recipients push-command` creates when missing. */
  pushKeys: Pick<DynamoPushKey, 'read' | 'getOrCreate'>;
}

export interface Target {
  readonly kind: 'aws' | 'local';
  /** Names the target in messages ("stack BackupMx in eu-west-1"). */
  readonly label: string;
  readonly region: string;
  readonly settings: Settings;
  readonly engine: Engine;
  /** The operator's actions on mail (requeue, delete, hold, …) and what the commands print (mailq, status, …), on the engine's ports. */
  readonly operator: OperatorActions;
  /** The engine's log: a command may listen to delivery attempts. */
  readonly log: CliLog;
  /** Present for the deployed stack. */
  readonly stack?: StackFacts;
  /** Present for the deployed stack. */
  readonly account?: AccountReaders;
  /** Local only: the runner's restart spool (with a data dir), which `delete` must clear too. */
  readonly spool?: MailSpool;
  /** Local only: where bounce notices (DSNs) are written instead of being sent through SES. */
  readonly bounceDir?: string;
  /** The "I'm back" endpoint: its base URL and where its HMAC secret is (absent: not deployed). */
  readonly trigger?: { url: string; keyFile?: string; secretId?: string };
  /** The recipient push endpoint's base URL (deployed: its own function URL, with a synced route; locally: the trigger's listener) and, locally, the file of its stack key. */
  readonly recipientPush?: { url: string; keyFile?: string };
  /** Local only: the configuration file the running runner loaded, and whether it is a cdk.json (configuration under "context"). */
  readonly configFile?: { file: string; cdkJson: boolean; digest?: string };
  /**
   * Local only: rejects, naming the secret and the fix, when a secret the route
   * logs in (or seals) with cannot be read; then nothing connects, so nothing
   * blames the primary. A local drain checks it first by itself.
   */
  checkSecrets?(route: Route, needs: { arc: boolean }): Promise<void>;
  /** One drain of the route now: in-process locally, a synchronous Lambda invoke on AWS. */
  drain(route: string): Promise<DrainSummary>;
  close(): void;
}

export interface TargetOptions {
  local?: boolean;
  stack?: string;
  region?: string;
  dataDir?: string;
  verbose?: boolean;
}

/** The route by name, or a usage error listing the routes there are. */
export function routeOf(target: Target, name: string): Route {
  const route = target.settings.routes.find((r) => r.name === name);
  if (!route) {
    const known = target.settings.routes.map((r) => r.name).join(', ');
    throw new UsageError(`no route named "${name}" on the ${target.label} (routes: ${known})`);
  }
  return route;
}

/** The named route, or every route when none is given. */
export function routesOf(target: Target, name?: string): Route[] {
  return name === undefined ? target.settings.routes : [routeOf(target, name)];
}
