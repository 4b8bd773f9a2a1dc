// What the notices' reputation alarms do when they fire: pause sending through
// the notices' SES configuration set, never the account's (the user's other
// applications keep sending). CloudWatch invokes the function directly with
// the alarm's state change. Only a move into ALARM pauses; an OK does not
// resume: the bounces said something is wrong, and a person looks first
// (`backup-mx notices`, then `notices resume`). Notices wait meanwhile: SES
// refuses them and the engine holds them (notice-sender.ts).
import type { NoticeSending } from './notice-ports.js';
import type { DeliveryLog } from './ports.js';

/** The part of CloudWatch's alarm-action event (a Lambda alarm action) this reads. */
export interface AlarmStateEvent {
  alarmArn?: string;
  alarmData?: { alarmName?: string; state?: { value?: string; reason?: string } };
}

export interface PauseResult {
  action: 'paused' | 'already-paused' | 'ignored';
  alarm?: string;
}

export async function pauseOnAlarm(event: AlarmStateEvent, deps: { sending: NoticeSending; log: DeliveryLog }): Promise<PauseResult> {
  const alarm = event.alarmData?.alarmName ?? event.alarmArn;
  const state = event.alarmData?.state?.value;
  if (state !== 'ALARM') {
    deps.log.info('notice sending left as it is: the alarm is not in ALARM', { alarm, state });
    return { action: 'ignored', ...(alarm ? { alarm } : {}) };
  }
  if (!(await deps.sending.enabled())) return { action: 'already-paused', ...(alarm ? { alarm } : {}) };
  await deps.sending.setEnabled(false);
  deps.log.error('NOTICES PAUSED: sending through the notices\' SES configuration set is off until an operator runs `backup-mx notices resume`; notices are held meanwhile', {
    configurationSet: deps.sending.name,
    alarm,
    reason: event.alarmData?.state?.reason,
  });
  return { action: 'paused', ...(alarm ? { alarm } : {}) };
}
