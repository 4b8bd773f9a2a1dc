import { describe, expect, it } from 'vitest';
import { ALL_PASS, sesDate, sesPrependedHeaders } from '../../../../local/ses-standin/ses-headers.js';

const base = {
  messageId: 'bs82kksd5uhl2b598fhhro1scu3d05a39id0gdg1',
  region: 'eu-west-1',
  sender: 'alice@sender.test',
  firstRecipient: 'bob@example.com',
  helo: 'mta.sender.test',
  clientHostname: '[127.0.0.1]',
  clientIp: '127.0.0.1',
  fromDomain: 'sender.test',
  receivedAt: new Date('2022-07-11T01:49:39.443Z'),
  verdicts: ALL_PASS,
};

describe('sesPrependedHeaders', () => {
  it('writes the SES header block in SES order and folding', () => {
    expect(sesPrependedHeaders(base)).toBe(
      [
        'Return-Path: <alice@sender.test>',
        'Received: from mta.sender.test (unknown [127.0.0.1])',
        ' by inbound-smtp.eu-west-1.amazonaws.com with SMTP id bs82kksd5uhl2b598fhhro1scu3d05a39id0gdg1',
        ' for bob@example.com;',
        ' Mon, 11 Jul 2022 01:49:39 +0000 (UTC)',
        'X-SES-Spam-Verdict: PASS',
        'X-SES-Virus-Verdict: PASS',
        'Received-SPF: pass (spfCheck: domain of sender.test designates 127.0.0.1 as permitted sender) client-ip=127.0.0.1; envelope-from=alice@sender.test; helo=mta.sender.test;',
        'Authentication-Results: amazonses.com;',
        ' spf=pass (spfCheck: domain of sender.test designates 127.0.0.1 as permitted sender) client-ip=127.0.0.1; envelope-from=alice@sender.test; helo=mta.sender.test;',
        ' dkim=pass header.i=@sender.test;',
        ' dmarc=pass header.from=sender.test;',
        '',
      ].join('\r\n'),
    );
  });

  it('keeps the null sender as <> and checks SPF on the HELO name', () => {
    const block = sesPrependedHeaders({ ...base, sender: '' });
    expect(block.startsWith('Return-Path: <>\r\n')).toBe(true);
    expect(block).toContain('envelope-from=postmaster@mta.sender.test; helo=mta.sender.test;');
  });

  it('reports other verdicts in the headers', () => {
    const block = sesPrependedHeaders({
      ...base,
      verdicts: { spam: 'FAIL', virus: 'FAIL', spf: 'GRAY', dkim: 'GRAY', dmarc: 'FAIL' },
    });
    expect(block).toContain('X-SES-Spam-Verdict: FAIL\r\nX-SES-Virus-Verdict: FAIL\r\n');
    expect(block).toContain('Received-SPF: none (spfCheck: 127.0.0.1 is neither permitted nor denied by domain of sender.test)');
    expect(block).toContain(' dkim=none;\r\n dmarc=fail header.from=sender.test;\r\n');
  });

  it('formats dates as SES does', () => {
    expect(sesDate(new Date('2023-03-03T10:25:18.793Z'))).toBe('Fri, 03 Mar 2023 10:25:18 +0000 (UTC)');
  });
});
