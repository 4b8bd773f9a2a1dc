import { describe, expect, it } from 'vitest';
import { parseHeaderFields, splitAddressList } from '../../../../lambdas/core/message/header-fields.js';
import { buildReceivedNotification, fromDomain } from '../../../../local/ses-standin/received-notification.js';
import { ALL_PASS } from '../../../../local/ses-standin/ses-headers.js';

const raw = Buffer.from(
  [
    'Return-Path: <alice@sender.test>',
    'Received: from mta.sender.test (unknown [127.0.0.1])',
    ' by inbound-smtp.us-east-1.amazonaws.com with SMTP id abc',
    ' for bob@example.com;',
    '\tMon, 11 Jul 2022 01:49:39 +0000 (UTC)',
    'From: "Smith, Alice" <alice@Sender.TEST>',
    'To: bob@example.com, "Carol (team)" <carol@example.com>',
    'Cc: dave@example.org',
    'Subject: Hello there',
    'Date: Mon, 11 Jul 2022 03:49:37 +0200',
    'Message-ID: <m1@sender.test>',
    '',
    'Body: not a header',
    '',
  ].join('\r\n'),
);

const target = { topicArn: 'arn:aws:sns:us-east-1:000000000000:main', bucketName: 'mail', objectKeyPrefix: 'mail/main/' };
const receivedAt = new Date('2022-07-11T01:49:39.443Z');

describe('buildReceivedNotification', () => {
  const notification = buildReceivedNotification(
    { messageId: 'abc', receivedAt, sender: 'alice@sender.test', destination: ['bob@example.com', 'x@other.test'], raw },
    target,
    ['bob@example.com'],
    ALL_PASS,
    new Date(receivedAt.getTime() + 37),
  );

  it('has the SES S3-action shape', () => {
    expect(notification.notificationType).toBe('Received');
    expect(notification.mail).toMatchObject({
      timestamp: '2022-07-11T01:49:39.443Z',
      source: 'alice@sender.test',
      messageId: 'abc',
      destination: ['bob@example.com', 'x@other.test'],
      headersTruncated: false,
    });
    expect(notification.receipt).toEqual({
      timestamp: '2022-07-11T01:49:39.480Z',
      processingTimeMillis: 37,
      recipients: ['bob@example.com'],
      spamVerdict: { status: 'PASS' },
      virusVerdict: { status: 'PASS' },
      spfVerdict: { status: 'PASS' },
      dkimVerdict: { status: 'PASS' },
      dmarcVerdict: { status: 'PASS' },
      action: { type: 'S3', topicArn: target.topicArn, bucketName: 'mail', objectKeyPrefix: 'mail/main/', objectKey: 'mail/main/abc' },
    });
  });

  it('lists the headers in order, unfolded, without the body', () => {
    expect(notification.mail.headers.map((h) => h.name)).toEqual([
      'Return-Path', 'Received', 'From', 'To', 'Cc', 'Subject', 'Date', 'Message-ID',
    ]);
    expect(notification.mail.headers[1].value).toBe(
      'from mta.sender.test (unknown [127.0.0.1]) by inbound-smtp.us-east-1.amazonaws.com with SMTP id abc for bob@example.com; Mon, 11 Jul 2022 01:49:39 +0000 (UTC)',
    );
  });

  it('fills commonHeaders like SES', () => {
    expect(notification.mail.commonHeaders).toEqual({
      returnPath: 'alice@sender.test',
      from: ['"Smith, Alice" <alice@Sender.TEST>'],
      to: ['bob@example.com', '"Carol (team)" <carol@example.com>'],
      cc: ['dave@example.org'],
      subject: 'Hello there',
      date: 'Mon, 11 Jul 2022 03:49:37 +0200',
      messageId: '<m1@sender.test>',
    });
  });

  it('uses the bare id as key without a prefix', () => {
    const bare = buildReceivedNotification(
      { messageId: 'abc', receivedAt, sender: '', destination: ['bob@example.com'], raw },
      { ...target, objectKeyPrefix: '' },
      ['bob@example.com'],
      ALL_PASS,
      receivedAt,
    );
    expect(bare.receipt.action.objectKey).toBe('abc');
    expect(bare.mail.source).toBe('');
  });

  it('truncates the header list past 10 KB and says so', () => {
    const big = Buffer.from(
      Array.from({ length: 40 }, (_, i) => `X-Filler-${i}: ${'y'.repeat(400)}`).join('\r\n') + '\r\n\r\nbody',
    );
    const truncated = buildReceivedNotification(
      { messageId: 'abc', receivedAt, sender: 'a@b.test', destination: ['bob@example.com'], raw: big },
      target,
      ['bob@example.com'],
      ALL_PASS,
      receivedAt,
    );
    expect(truncated.mail.headersTruncated).toBe(true);
    expect(truncated.mail.headers.length).toBeGreaterThan(20);
    expect(truncated.mail.headers.length).toBeLessThan(40);
  });
});

describe('header helpers', () => {
  it('splits address lists only at top-level commas', () => {
    expect(splitAddressList('"Doe, J" <j@x.test>, k@x.test (Kay, K), <l@x.test>')).toEqual([
      '"Doe, J" <j@x.test>',
      'k@x.test (Kay, K)',
      '<l@x.test>',
    ]);
  });

  it('reads bare-LF messages too', () => {
    expect(parseHeaderFields('A: 1\nB: 2\n  more')).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2 more' },
    ]);
  });

  it('finds the From domain', () => {
    expect(fromDomain(raw)).toBe('sender.test');
    expect(fromDomain(Buffer.from('Subject: x\r\n\r\n'))).toBeUndefined();
  });
});
