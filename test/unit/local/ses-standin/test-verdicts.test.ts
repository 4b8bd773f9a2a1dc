import { describe, expect, it } from 'vitest';
import { ALL_PASS } from '../../../../local/ses-standin/ses-headers.js';
import { describeVerdicts, requestedVerdicts } from '../../../../local/ses-standin/test-verdicts.js';

describe('verdicts a local test message asks for', () => {
  it('PASS for everything when nothing asks', () => {
    expect(requestedVerdicts(ALL_PASS, [{ name: 'Subject', value: 'hi' }], ['bob@example.com'])).toEqual({ verdicts: ALL_PASS, ignored: [] });
    expect(describeVerdicts(ALL_PASS)).toBeUndefined();
  });

  it('takes the X-BackupMx-Verdicts header, any case and separator, and names what it ignored', () => {
    const { verdicts, ignored } = requestedVerdicts(ALL_PASS, [{ name: 'x-backupmx-verdicts', value: 'Virus=fail; spf=FAIL, dmarc=GRAY bogus=1 spam' }], ['bob@example.com']);
    expect(verdicts).toEqual({ spam: 'PASS', virus: 'FAIL', spf: 'FAIL', dkim: 'PASS', dmarc: 'GRAY' });
    expect(ignored).toEqual(['bogus=1', 'spam']);
    expect(describeVerdicts(verdicts)).toBe('virus FAIL, spf FAIL, dmarc GRAY');
  });

  it('takes recipient tags (bob+virus@…) for the whole message', () => {
    const { verdicts } = requestedVerdicts(ALL_PASS, [], ['alice@example.com', 'bob+spam+spf-fail@example.com']);
    expect(verdicts).toEqual({ ...ALL_PASS, spam: 'FAIL', spf: 'FAIL' });
    expect(requestedVerdicts(ALL_PASS, [], ['bob+newsletter@example.com']).verdicts).toEqual(ALL_PASS);
  });
});
