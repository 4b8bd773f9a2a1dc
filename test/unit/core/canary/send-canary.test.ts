// The canary sender: one signed message from the canary address to itself,
// only when the canary domain's MX is this region's SES inbound endpoint and
// nothing else (a send into a wrong record would bounce, and bounces count
// against the account's SES reputation); a refusal is logged with the fix.
import { describe, expect, it } from 'vitest';
import { InMemoryCanaryKey, ManualClock, RecordingBounceMailer, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import { DnsCanaryDestination } from '../../../../lambdas/adapters/dns/dns-canary-destination.js';
import { canaryMxProblem } from '../../../../lambdas/core/canary/canary-mx.js';
import { verifyCanarySubject } from '../../../../lambdas/core/canary/canary-token.js';
import { SendCanary } from '../../../../lambdas/core/canary/send-canary.js';

const ADDRESS = 'canary@canary.example.com';
const SES = 'inbound-smtp.us-east-1.amazonaws.com';

function setup(problem?: string) {
  const keys = new InMemoryCanaryKey();
  const mailer = new RecordingBounceMailer();
  const log = new RecordingDeliveryLog();
  const clock = new ManualClock('2026-01-05T10:00:00.000Z');
  const send = new SendCanary({ keys, mailer, log, clock, destination: { problem: async () => problem } }, { address: ADDRESS, intervalMinutes: 60 });
  return { keys, mailer, log, clock, send };
}

describe('SendCanary', () => {
  it('sends one signed message from the canary address to itself, creating the key on first use', async () => {
    const { send, mailer, keys } = setup();
    expect(await send.send()).toEqual({ sent: true, sentAt: new Date('2026-01-05T10:00:00.000Z') });
    expect(mailer.sent).toHaveLength(1);
    const { raw, envelope } = mailer.sent[0]!;
    expect(envelope).toEqual({ from: ADDRESS, to: [ADDRESS] });
    const subject = /^Subject: (.*)$/m.exec(raw)![1]!.trim();
    expect(verifyCanarySubject(keys.value!, ADDRESS, subject)).toEqual(new Date('2026-01-05T10:00:00.000Z'));
    expect(raw).toMatch(/^Auto-Submitted: auto-generated\r$/m);
    expect(raw).toMatch(/every 60 minutes/);
  });

  it('keeps one key across sends', async () => {
    const { send, keys } = setup();
    await send.send();
    const first = keys.value;
    await send.send();
    expect(keys.value).toBe(first);
  });

  it('does not send while the canary domain\'s MX is wrong, and says what to do', async () => {
    const { send, mailer, log } = setup('canary.example.com has no MX record');
    expect(await send.send()).toEqual({ sent: false, reason: 'canary.example.com has no MX record' });
    expect(mailer.sent).toEqual([]);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'canary not sent: its MX record is not right', fields: expect.objectContaining({ fix: expect.stringMatching(/doctor/) }) }));
  });

  it('reports an SES refusal (unverified identity, sandbox) without throwing: the alarm is the signal', async () => {
    const { send, mailer, log } = setup();
    mailer.failNext = Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' });
    expect(await send.send()).toEqual({ sent: false, reason: 'MessageRejected: Email address is not verified.' });
    expect(log.lines.at(-1)).toMatchObject({ level: 'error', message: 'canary not sent: SES refused it' });
  });
});

describe('the canary domain\'s MX records', () => {
  it.each([
    [[{ exchange: SES, priority: 10 }], undefined],
    [[{ exchange: `${SES.toUpperCase()}.`, priority: 10 }], undefined],
    [[], 'canary.example.com has no MX record'],
    [[{ exchange: 'inbound-smtp.eu-west-1.amazonaws.com', priority: 10 }], `canary.example.com MX 10 inbound-smtp.eu-west-1.amazonaws.com: not ${SES}`],
    [[{ exchange: 'mail.example.com', priority: 5 }, { exchange: SES, priority: 10 }], `canary.example.com has MX records besides ${SES} (5 mail.example.com): the canary would reach them too`],
  ])('%j → %s', (records, problem) => {
    expect(canaryMxProblem('canary.example.com', records, SES)).toBe(problem);
  });

  it('DNS: "no such name" and "no data" mean no record; a timeout is not an answer', async () => {
    const code = (c: string) => Object.assign(new Error(c), { code: c });
    expect(await new DnsCanaryDestination(SES, async () => Promise.reject(code('ENOTFOUND'))).problem('canary.example.com')).toBe('canary.example.com has no MX record');
    expect(await new DnsCanaryDestination(SES, async () => Promise.reject(code('ENODATA'))).problem('canary.example.com')).toBe('canary.example.com has no MX record');
    await expect(new DnsCanaryDestination(SES, async () => Promise.reject(code('ETIMEOUT'))).problem('canary.example.com')).rejects.toThrow('ETIMEOUT');
  });
});
