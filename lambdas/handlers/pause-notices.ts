// Pause function: pauses the notices' SES configuration set, nothing else.
// Invoked by the notices' reputation alarms (a CloudWatch Lambda alarm
// action, with the alarm's new state) and by a schedule (any other event),
// which reads the alarms' current state: CloudWatch acts only on a change of
// state, and an alarm that stays in ALARM after `notices resume` must pause
// again (core/outcome/pause-notices.ts).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { CloudWatchNoticeAlarms } from '../adapters/aws/cloudwatch-notice-alarms.js';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { SesV2NoticeSending } from '../adapters/aws/sesv2-notice-sending.js';
import { lambdaEnv, regionOf } from '../app/lambda-env.js';
import { loadPauseSettings } from '../config/settings.js';
import { pauseOnAlarm, pauseWhileAlarming, type AlarmStateEvent, type PauseResult } from '../core/outcome/pause-notices.js';

export function makePauseHandler(sesv2: SESv2Client, cloudwatch: CloudWatchClient, env: NodeJS.ProcessEnv) {
  const settings = loadPauseSettings(env);
  const sending = new SesV2NoticeSending(sesv2, settings.configurationSet);
  const alarms = new CloudWatchNoticeAlarms(cloudwatch, settings.alarmNames);
  const log = new PowertoolsDeliveryLog();
  // Anything but an alarm action (the schedule's event, or a stray invoke) takes the path that reads the alarms themselves.
  return (event: AlarmStateEvent | undefined): Promise<PauseResult> =>
    event?.alarmData ? pauseOnAlarm(event, { sending, log }) : pauseWhileAlarming({ sending, alarms, log });
}

let handle: ((event: AlarmStateEvent | undefined) => Promise<PauseResult>) | undefined;

export const handler = (event: AlarmStateEvent | undefined): Promise<PauseResult> => {
  const env = lambdaEnv();
  const region = regionOf(env);
  handle ??= makePauseHandler(new SESv2Client({ region }), new CloudWatchClient({ region }), env);
  return handle(event);
};
