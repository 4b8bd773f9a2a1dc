// Pause function: invoked by the notices' reputation alarms (a CloudWatch
// Lambda alarm action); pauses the notices' configuration set, nothing else.
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { PowertoolsDeliveryLog } from '../adapters/aws/powertools-delivery-log.js';
import { SesV2NoticeSending } from '../adapters/aws/sesv2-notice-sending.js';
import { loadNoticeConfigurationSet } from '../config/settings.js';
import { pauseOnAlarm, type AlarmStateEvent, type PauseResult } from '../core/pause-notices.js';

export function makePauseHandler(sesv2: SESv2Client, env: NodeJS.ProcessEnv = process.env) {
  const sending = new SesV2NoticeSending(sesv2, loadNoticeConfigurationSet(env));
  const log = new PowertoolsDeliveryLog();
  return (event: AlarmStateEvent): Promise<PauseResult> => pauseOnAlarm(event, { sending, log });
}

let handle: ((event: AlarmStateEvent) => Promise<PauseResult>) | undefined;

export const handler = (event: AlarmStateEvent): Promise<PauseResult> => {
  handle ??= makePauseHandler(new SESv2Client({ region: process.env.AWS_REGION }));
  return handle(event);
};
