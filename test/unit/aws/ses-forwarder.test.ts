// The forward's SES sender: SESv2 SendEmail with the raw bytes unchanged (v2
// takes 40 MB where the v1 SendRawEmail the DSNs use takes 10), the envelope,
// and the notices' configuration set.
import { SendEmailCommand, SESv2Client, SESv2ServiceException } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SesForwarder } from '../../../lambdas/adapters/aws/ses-forwarder.js';

const ses = mockClient(SESv2Client);
afterEach(() => ses.reset());

describe('SesForwarder', () => {
  // Bytes that are not UTF-8 (0xe9): a string round trip would change them.
  const raw = Buffer.concat([Buffer.from('From: MAILER-DAEMON@mx.example.com\r\n\r\nCaf'), Buffer.from([0xe9, 0x0d, 0x0a])]);

  it('sends the bytes unchanged with the envelope through the configuration set, and says SES\'s message id', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0100018c-forward' });
    const sentAs = await new SesForwarder(new SESv2Client({ region: 'eu-west-1' }), 'backupmx-notices').send(raw, { from: 'MAILER-DAEMON@mx.example.com', to: ['boss@elsewhere.example'] });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(Buffer.compare(Buffer.from(input.Content!.Raw!.Data!), raw)).toBe(0);
    expect(input.FromEmailAddress).toBe('MAILER-DAEMON@mx.example.com');
    expect(input.Destination).toEqual({ ToAddresses: ['boss@elsewhere.example'] });
    expect(input.ConfigurationSetName).toBe('backupmx-notices');
    expect(sentAs).toBe('0100018c-forward');
  });

  it('surfaces an SES refusal', async () => {
    ses.on(SendEmailCommand).rejects(new SESv2ServiceException({ name: 'MessageRejected', $fault: 'client', $metadata: {}, message: 'Email address is not verified.' }));
    await expect(new SesForwarder(new SESv2Client({ region: 'eu-west-1' })).send(raw, { from: 'x@y.z', to: ['a@b.c'] })).rejects.toMatchObject({ name: 'MessageRejected' });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.ConfigurationSetName).toBeUndefined();
  });
});
