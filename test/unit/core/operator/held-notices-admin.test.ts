// The operator's verbs on held notices with fakes: resuming the notices'
// configuration set is refused while a reputation alarm is in ALARM (unless
// forced), and the scheduled check pauses it again while one stays there;
// sending a held notice reads its text, and one whose text is missing stays
// held with a reason rather than going out empty.
import { describe, expect, it } from 'vitest';
import { InMemoryHeldNotices, InMemoryLedger, InMemoryNoticeAlarms, InMemoryNoticeSending, ManualClock, RecordingBounceMailer, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import { HeldNoticesAdmin } from '../../../../lambdas/core/operator/held-notices-admin.js';
import type { HeldNotice } from '../../../../lambdas/core/outcome/notice-ports.js';
import { pauseWhileAlarming } from '../../../../lambdas/core/outcome/pause-notices.js';
import { route } from '../../../support/world/engine-harness.js';

function setup() {
  const sending = new InMemoryNoticeSending();
  const alarms = new InMemoryNoticeAlarms();
  const held = new InMemoryHeldNotices();
  const bounces = new RecordingBounceMailer();
  const log = new RecordingDeliveryLog();
  const deps = { held, bounces, ledger: new InMemoryLedger(), clock: new ManualClock('2026-01-05T10:00:00Z'), log, sending };
  return { sending, alarms, held, bounces, log, admin: new HeldNoticesAdmin({ ...deps, alarms }), unchecked: new HeldNoticesAdmin(deps) };
}

describe('notices resume', () => {
  it('is refused while a reputation alarm is in ALARM, and sending stays paused', async () => {
    const { sending, alarms, admin } = setup();
    sending.sending = false;
    alarms.states.set('BackupMx-NoticeBounceRate', 'ALARM');
    expect(await admin.resume()).toEqual({ kind: 'refused', firing: ['BackupMx-NoticeBounceRate'] });
    expect(sending.changes).toEqual([]);
  });

  it('resumes once both alarms are OK (INSUFFICIENT_DATA is not ALARM)', async () => {
    const { sending, alarms, admin } = setup();
    sending.sending = false;
    alarms.states.set('BackupMx-NoticeComplaintRate', 'INSUFFICIENT_DATA');
    expect(await admin.resume()).toEqual({ kind: 'resumed', firing: [] });
    expect(sending.changes).toEqual([true]);
  });

  it('--force resumes while an alarm is in ALARM, saying which; the next scheduled check pauses again while it stays there', async () => {
    const { sending, alarms, admin, log } = setup();
    sending.sending = false;
    alarms.states.set('BackupMx-NoticeComplaintRate', 'ALARM');
    expect(await admin.resume({ force: true })).toEqual({ kind: 'resumed', firing: ['BackupMx-NoticeComplaintRate'] });
    expect(sending.sending).toBe(true);
    expect(await pauseWhileAlarming({ sending, alarms, log })).toEqual({ action: 'paused', alarm: 'BackupMx-NoticeComplaintRate' });
    expect(sending.changes).toEqual([true, false]);
    // Once the alarm is OK, the check leaves it paused (a person resumes), and the resume goes through.
    alarms.states.set('BackupMx-NoticeComplaintRate', 'OK');
    expect(await pauseWhileAlarming({ sending, alarms, log })).toEqual({ action: 'ignored' });
    expect(sending.sending).toBe(false);
    expect((await admin.resume()).kind).toBe('resumed');
    expect(sending.changes).toEqual([true, false, true]);
  });

  it('without the alarms\' names (a stack from before they were named) it cannot check: refused unless forced', async () => {
    const { sending, unchecked } = setup();
    sending.sending = false;
    expect(await unchecked.resume()).toEqual({ kind: 'unchecked' });
    expect(sending.changes).toEqual([]);
    expect(await unchecked.resume({ force: true })).toEqual({ kind: 'resumed', firing: [] });
    expect(sending.changes).toEqual([true]);
  });

  it('an alarm that cannot be read refuses (rejects) rather than counting as OK', async () => {
    const { sending, alarms, admin } = setup();
    sending.sending = false;
    alarms.states.delete('BackupMx-NoticeBounceRate');
    await expect(admin.resume()).rejects.toThrow(/BackupMx-NoticeBounceRate/);
    expect(sending.changes).toEqual([]);
  });

  it('says so when sending was not paused, and checks nothing', async () => {
    const { sending, alarms, admin } = setup();
    alarms.states.set('BackupMx-NoticeBounceRate', 'ALARM');
    expect(await admin.resume()).toEqual({ kind: 'not-paused' });
    expect(sending.changes).toEqual([]);
  });
});

describe('notices send', () => {
  const notice = (messageId: string): HeldNotice => ({
    route: 'main', messageId, copy: 'c1', kind: 'dsn', at: new Date('2026-01-05T09:00:00Z'), why: 'budget', to: 'alice@sender.example', recipients: ['nobody@example.com'], raw: `Subject: Undelivered mail ${messageId}\r\n\r\nbody`,
  });

  it('sends each notice\'s own text, and leaves held (with the reason) one whose text is missing', async () => {
    const { held, bounces, admin } = setup();
    await held.hold(notice('m1'));
    await held.hold(notice('m2'));
    // The text item lost (a partial removal): the summary is still listed.
    const summaryOnly = held.items.get('main/m2/c1/dsn')!;
    held.items.set('main/m2/c1/dsn', { ...summaryOnly, raw: undefined as never });
    const report = await admin.send([route], { all: true });
    expect(report.sent.map((n) => n.messageId)).toEqual(['m1']);
    expect(bounces.sent.map((s) => s.raw)).toEqual([notice('m1').raw]);
    expect(report.left).toEqual([{ notice: expect.objectContaining({ messageId: 'm2' }), why: expect.stringMatching(/text is missing/) }]);
    expect((await held.list('main')).map((n) => n.messageId)).toEqual(['m2']);
  });
});
