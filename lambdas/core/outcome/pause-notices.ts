// What pauses sending through the notices' SES configuration set, never the
// account's (the user's other applications keep sending): its reputation
// alarms. Two ways in, one effect:
//  - CloudWatch invokes the function with the alarm's state change (a Lambda
//    alarm action). CloudWatch acts only on a change of state, so this alone
//    would pause once per alarm episode: an operator who resumed while the
//    alarm stayed in ALARM (SES's rates are rolling and stay high for long)
//    would find nothing pausing again;
//  - so a schedule also invokes it every few minutes, and it reads the two
//    alarms' current state and pauses while either is in ALARM.
// Only ALARM pauses; an OK never resumes: the bounces said something is wrong,
// and a person looks first (`backup-mx notices`, then `notices resume`, which
// refuses while an alarm is in ALARM). Notices wait meanwhile: SES refuses them
// and the engine holds them (notice-sender.ts).
import type { NoticeAlarms, NoticeSending } from './notice-ports.js';
import type { DeliveryLog } from '../runtime/ports.js';

/** How often the schedule re-checks the alarms: a resume while an alarm stays in ALARM is undone within this. */
export const ALARM_RECHECK_MINUTES = 5;

/** What the schedule sends: anything but an alarm action makes the function read the alarms' state. */
export const RECHECK_EVENT = { task: 'recheck-notice-alarms' } as const;

/** The part of CloudWatch's alarm-action event (a Lambda alarm action) this reads. */
export interface AlarmStateEvent {
  alarmArn?: string;
  alarmData?: { alarmName?: string; state?: { value?: string; reason?: string } };
}

export interface PauseResult {
  action: 'paused' | 'already-paused' | 'ignored';
  /** The alarm (or alarms) in ALARM that the decision rests on. */
  alarm?: string;
}

export interface PauseDeps {
  sending: NoticeSending;
  log: DeliveryLog;
}

/** An alarm action: pauses when the alarm moved into ALARM. */
export async function pauseOnAlarm(event: AlarmStateEvent, deps: PauseDeps): Promise<PauseResult> {
  const alarm = event.alarmData?.alarmName ?? event.alarmArn;
  const state = event.alarmData?.state?.value;
  if (state !== 'ALARM') {
    deps.log.info('notice sending left as it is: the alarm is not in ALARM', { alarm, state });
    return { action: 'ignored', ...(alarm ? { alarm } : {}) };
  }
  return pause(deps, alarm, event.alarmData?.state?.reason);
}

/** The scheduled check: pauses while either reputation alarm is in ALARM now. Rejects when an alarm cannot be read (an ERROR line: the ErrorLines alarm). */
export async function pauseWhileAlarming(deps: PauseDeps & { alarms: NoticeAlarms }): Promise<PauseResult> {
  const firing = await deps.alarms.firing();
  if (firing.length === 0) return { action: 'ignored' };
  return pause(deps, firing.join(', '), 'still in ALARM at the scheduled check');
}

async function pause(deps: PauseDeps, alarm: string | undefined, reason: string | undefined): Promise<PauseResult> {
  const named = alarm ? { alarm } : {};
  if (!(await deps.sending.enabled())) return { action: 'already-paused', ...named };
  await deps.sending.setEnabled(false);
  deps.log.error('NOTICES PAUSED: sending through the notices\' SES configuration set is off until an operator runs `backup-mx notices resume`; notices are held meanwhile', {
    configurationSet: deps.sending.name,
    alarm,
    reason,
  });
  return { action: 'paused', ...named };
}
