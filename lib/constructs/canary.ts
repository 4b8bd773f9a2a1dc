// The canary's sender: a small function on its own schedule (hourly by
// default) with the least it needs: its key in the table (canary#) and
// SendRawEmail from and to the canary address. Its receipt rule is in
// inbound-rules.ts, its alarm the probe's StackProblems (canary-missing); accept and the drain
// recognise it (core/canary).
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { CanaryConfig } from '../config/canary.js';
import { BackupMxFunction } from './backup-mx-function.js';

export interface CanaryProps {
  canary: CanaryConfig;
  table: dynamodb.ITable;
}

export class Canary extends Construct {
  readonly sender: BackupMxFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: CanaryProps) {
    super(scope, id);
    const { canary } = props;
    this.sender = new BackupMxFunction(this, 'Sender', {
      handler: 'canary',
      description: 'backup-mx: sends the canary through SES receiving to prove mail still reaches the queue',
      timeout: Duration.seconds(30),
      memorySize: 128,
    })
      .bindTable(props.table, 'canary')
      .bindCanary(canary)
      .bindCanarySending(canary.address);
    // A late canary is worth nothing once the next is due: no retries, no stale events.
    this.sender.fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(Math.min(canary.intervalMinutes, 360)) });
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `backup-mx: send the canary every ${canary.intervalMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(canary.intervalMinutes)),
      targets: [new targets.LambdaFunction(this.sender.fn, { retryAttempts: 0 })],
    });
  }
}
