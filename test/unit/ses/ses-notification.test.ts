import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MalformedNotificationError, narrowSesNotification, parseSesNotification, tryParseSesNotification } from '../../../lambdas/adapters/ses/ses-notification.js';
import { copyKeyOf, copyOf } from '../../../lambdas/core/message/message-copy.js';
import { sesNotification, sesNotificationObject, snsEnvelope } from '../../support/aws/ses-events.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ses/${name}`, import.meta.url), 'utf8');

function reasonOf(body: string): string {
  try {
    parseSesNotification(body);
  } catch (error) {
    expect(error).toBeInstanceOf(MalformedNotificationError);
    return (error as MalformedNotificationError).reason;
  }
  throw new Error('expected a MalformedNotificationError');
}

describe('parseSesNotification', () => {
  it('reads the envelope, object location and verdicts of an S3 action notification', () => {
    const message = parseSesNotification(fixture('received-s3.json'));
    expect(message).toEqual({
      messageId: 'o3vjlkk1c0hn0hq9rb1lq4bsm5t3nlu6icqvuqg1',
      receivedAt: new Date('2026-01-05T09:58:11.413Z'),
      sender: 'alice@sender.example',
      recipients: ['bob@example.com'],
      bucketName: 'backup-mx-mail-123456789012',
      objectKey: 'inbound/main/o3vjlkk1c0hn0hq9rb1lq4bsm5t3nlu6icqvuqg1',
      verdicts: { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' },
      subject: 'Quarterly numbers',
      // For the notice policy's DMARC alignment only (core/outcome/notice-policy.ts).
      headerFrom: ['Alice Example <alice@sender.example>'],
    });
  });

  it('reads commonHeaders.from as SES gives it; an odd one is left out, never making the message malformed', () => {
    const object = JSON.parse(sesNotification({ from: 'News <news@sender.example>' }));
    expect(parseSesNotification(JSON.stringify(object)).headerFrom).toEqual(['News <news@sender.example>']);
    object.mail.commonHeaders.from = 'not a list';
    const odd = parseSesNotification(JSON.stringify(object));
    expect(odd.headerFrom).toBeUndefined();
    expect(odd.sender).toBe('alice@sender.example');
    delete object.mail.commonHeaders.from;
    expect(parseSesNotification(JSON.stringify(object)).headerFrom).toBeUndefined();
  });

  it('takes recipients from receipt.recipients, including ones only in the envelope (Bcc)', () => {
    const message = parseSesNotification(fixture('bcc-recipients.json'));
    expect(message.recipients).toEqual(['bob@example.com', 'carol@example.com', 'dave@example.com']);
  });

  it('keeps the null sender as an empty string', () => {
    expect(parseSesNotification(fixture('null-sender.json')).sender).toBe('');
    expect(parseSesNotification(sesNotification({ sender: '<>' })).sender).toBe('');
    expect(parseSesNotification(sesNotification({ sender: '<alice@x.example>' })).sender).toBe('alice@x.example');
  });

  it('accepts quoted local parts (RFC 5321 Quoted-string) for recipients and sender', () => {
    const message = parseSesNotification(sesNotification({ sender: '"jane doe"@x.example', recipients: ['"john smith"@example.com', '"a\\"b"@example.com', 'bob@example.com'] }));
    expect(message.recipients).toEqual(['"john smith"@example.com', '"a\\"b"@example.com', 'bob@example.com']);
    expect(message.sender).toBe('"jane doe"@x.example');
  });

  it('reads FAIL verdicts and a dmarcPolicy', () => {
    expect(parseSesNotification(fixture('virus-fail.json')).verdicts).toMatchObject({ virus: 'FAIL', spam: 'FAIL' });
    expect(parseSesNotification(fixture('dmarc-fail.json')).verdicts).toMatchObject({ spf: 'FAIL', dmarc: 'FAIL' });
  });

  it('accepts the notification inside an SNS envelope', () => {
    expect(parseSesNotification(fixture('sns-envelope.json'))).toEqual(parseSesNotification(fixture('received-s3.json')));
    const raw = sesNotification({ messageId: 'abc123', recipients: ['x@example.com'] });
    expect(parseSesNotification(snsEnvelope(raw)).recipients).toEqual(['x@example.com']);
  });

  it('treats missing verdicts as DISABLED and unknown statuses as PROCESSING_FAILED', () => {
    const object = sesNotificationObject();
    delete object.receipt.dmarcVerdict;
    object.receipt.spamVerdict = { status: 'SOMETHING_NEW' };
    const message = parseSesNotification(JSON.stringify(object));
    expect(message.verdicts.dmarc).toBe('DISABLED');
    expect(message.verdicts.spam).toBe('PROCESSING_FAILED');
  });

  it('removes duplicate recipients and accepts processingTimeMillis as a string', () => {
    const object = sesNotificationObject({ recipients: ['a@example.com', 'a@example.com', 'b@example.com'] });
    object.receipt.processingTimeMillis = '222';
    expect(parseSesNotification(JSON.stringify(object)).recipients).toEqual(['a@example.com', 'b@example.com']);
  });

  it('the factory round-trips through the parser', () => {
    const body = sesNotification({ messageId: 'm1', sender: 's@a.example', recipients: ['r1@b.example', 'r2@b.example'], timestamp: '2026-02-01T00:00:00Z', verdicts: { spf: 'FAIL' } });
    const message = parseSesNotification(body);
    expect(message).toMatchObject({ messageId: 'm1', sender: 's@a.example', recipients: ['r1@b.example', 'r2@b.example'], objectKey: 'inbound/main/m1' });
    expect(message.receivedAt.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    expect(message.verdicts.spf).toBe('FAIL');
  });

  describe('rejects with a reason', () => {
    const cases: [string, () => string, RegExp][] = [
      ['empty body', () => '', /empty/],
      ['not JSON', () => 'Received: from x', /not JSON/],
      ['SNS envelope with a broken message', () => JSON.stringify({ Type: 'Notification', Message: '{oops' }), /SNS Message is not JSON/],
      ['a JSON array', () => '[1,2]', /.+/],
      ['a Bounce notification', () => JSON.stringify({ ...sesNotificationObject(), notificationType: 'Bounce' }), /unknown notificationType "Bounce"/],
      ['an SNS action (content inline, no object)', () => fixture('sns-action.json'), /receipt\.action\.type/],
      ['no recipients', () => sesNotification({ recipients: [] }), /receipt\.recipients/],
      ['a recipient with CRLF (SMTP injection)', () => sesNotification({ recipients: ['bob@example.com\r\nRCPT TO:<x@evil.example>'] }), /receipt\.recipients\.0/],
      ['a sender with spaces', () => sesNotification({ sender: 'alice @x.example' }), /mail\.source/],
      ['a quoted local part with a line break', () => sesNotification({ recipients: ['"john\r\nRCPT TO:<x@evil.example>"@example.com'] }), /receipt\.recipients\.0/],
      ['a quoted local part with angle brackets', () => sesNotification({ recipients: ['"a>b"@example.com'] }), /receipt\.recipients\.0/],
      ['a message id with a slash', () => sesNotification({ messageId: '../etc/passwd' }), /mail\.messageId/],
    ];
    it.each(cases)('%s', (_name, body, reason) => {
      expect(reasonOf(body())).toMatch(reason);
    });

    it('a bad timestamp in an otherwise valid notification', () => {
      const object = sesNotificationObject();
      object.mail.timestamp = 'not a date';
      expect(reasonOf(JSON.stringify(object))).toMatch(/mail\.timestamp/);
    });

    it('no bucket in the action', () => {
      const object = sesNotificationObject();
      delete object.receipt.action.bucketName;
      expect(reasonOf(JSON.stringify(object))).toMatch(/bucketName/);
    });
  });

  it('tryParseSesNotification returns the error instead of throwing', () => {
    const result = tryParseSesNotification('{}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.name).toBe('MalformedNotificationError');
    expect(tryParseSesNotification(fixture('received-s3.json')).ok).toBe(true);
  });
});

// The entry the drain re-enqueues when the ledger refused the write after a 2xx
// (core/drain/deliver-message.ts): narrowed to the recipients still to do, carrying
// the copy's whole recipient list and the accepted ones with their replies.
describe('narrowSesNotification', () => {
  const at = new Date('2026-02-01T01:00:00Z');
  const accepted = (recipient: string) => ({ recipient, reply: { code: 250, enhanced: '2.0.0', text: 'Ok: queued as 4F2' }, at, attempts: 1 });
  const whole = ['a@b.example', 'c@b.example', 'd@b.example'];
  const body = () => sesNotification({ messageId: 'm1', recipients: whole });

  it('parses to the rest, with the whole copy and the accepted recipients; an SNS envelope stays one', () => {
    for (const original of [body(), snsEnvelope(body())]) {
      const narrowed = parseSesNotification(narrowSesNotification(original, ['c@b.example', 'd@b.example'], [accepted('a@b.example')]));
      expect(narrowed).toMatchObject({ messageId: 'm1', recipients: ['c@b.example', 'd@b.example'], copyRecipients: whole, acceptedUnrecorded: [accepted('a@b.example')] });
      expect(copyOf(narrowed)).toBe(copyKeyOf(whole));
    }
    expect(copyOf(parseSesNotification(body()))).toBe(copyKeyOf(whole));
  });

  it('a second narrowing keeps the first copy list and adds to the accepted ones; none may be left to do', () => {
    const once = narrowSesNotification(body(), ['c@b.example', 'd@b.example'], [accepted('a@b.example')]);
    const twice = parseSesNotification(narrowSesNotification(once, [], [accepted('c@b.example'), accepted('d@b.example')]));
    expect(twice.recipients).toEqual([]);
    expect(twice.copyRecipients).toEqual(whole);
    expect(twice.acceptedUnrecorded!.map((a) => a.recipient)).toEqual(whole);
  });

  it.each([
    ['an accepted recipient also still to do', (o: Record<string, any>) => (o.backupMxCopy.accepted[0].recipient = 'c@b.example'), /backupMxCopy/],
    ['a recipient outside the copy', (o: Record<string, any>) => (o.receipt.recipients = ['x@evil.example']), /backupMxCopy/],
    ['nothing to do and nothing accepted', (o: Record<string, any>) => ((o.receipt.recipients = []), (o.backupMxCopy.accepted = [])), /no recipients/],
    ['an accepted recipient with CRLF', (o: Record<string, any>) => (o.backupMxCopy.accepted[0].recipient = 'a@b.example\r\nRCPT TO:<x@evil.example>'), /backupMxCopy\.accepted\.0\.recipient/],
    ['no attempt count', (o: Record<string, any>) => delete o.backupMxCopy.accepted[0].attempts, /attempts/],
  ])('a copy whose bookkeeping does not add up is malformed (dead-lettered, never delivered): %s', (_name, spoil, reason) => {
    const object = JSON.parse(narrowSesNotification(body(), ['c@b.example', 'd@b.example'], [accepted('a@b.example')]));
    spoil(object);
    expect(reasonOf(JSON.stringify(object))).toMatch(reason);
  });
});
