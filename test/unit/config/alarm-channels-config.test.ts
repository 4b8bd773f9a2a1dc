// The alarm channels of the backupMx context (alarms.webhookUrls, smsNumbers,
// topicArns) and the protected-domain rule for alarmEmail (invariant 11).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BackupMxConfigError, parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import {
  MAX_ALARM_ACTIONS_PER_STATE,
  MAX_ALARM_TOPICS,
  protectedDomainOf,
  protectedEmailProblems,
} from '../../../lib/config/alarm-channels.js';
import { deployProblems } from '../../../lib/checks/deploy-checks.js';

const route = (over: Record<string, unknown> = {}) => ({ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587 }, ...over });
const parse = (over: Record<string, unknown>) => parseBackupMxConfig({ region: 'eu-west-1', routes: [route()], ...over });
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops-alerts';

function problemsOf(over: Record<string, unknown>): string[] {
  try {
    parse(over);
  } catch (error) {
    expect(error).toBeInstanceOf(BackupMxConfigError);
    return (error as BackupMxConfigError).problems;
  }
  throw new Error('expected the context to be rejected');
}

describe('alarm channels: accepted input', () => {
  it('takes webhooks as written, SMS numbers in E.164 with separators dropped, topics of the stack\'s region, and the override as "true"', () => {
    const config = parse({
      alarms: {
        webhookUrls: [' https://events.pagerduty.com/integration/0123abcd/enqueue ', 'https://ntfy.sh/backupmx-7f3a9c'],
        smsNumbers: ['+1 (415) 555-0123', '+44 20 7946 0958'],
        topicArns: [TOPIC],
        allowProtectedEmail: 'true',
      },
    });
    // Another spelling of a URL would be another SNS subscription, to be confirmed again: no normalizing.
    expect(config.alarms.webhookUrls).toEqual(['https://events.pagerduty.com/integration/0123abcd/enqueue', 'https://ntfy.sh/backupmx-7f3a9c']);
    expect(config.alarms.smsNumbers).toEqual(['+14155550123', '+442079460958']);
    expect(config.alarms.topicArns).toEqual([TOPIC]);
    expect(config.alarms.allowProtectedEmail).toBe(true);
  });

  it('defaults: no channel besides alarmEmail, no override', () => {
    const { alarms } = parse({});
    expect(alarms.allowProtectedEmail).toBe(false);
    expect(alarms.webhookUrls).toBeUndefined();
    expect(alarms.smsNumbers).toBeUndefined();
    expect(alarms.topicArns).toBeUndefined();
  });
});

describe('alarm channels: refused input names the field and the reason', () => {
  it.each([
    ['http://hooks.example.net/x', /plain http: .*unencrypted.*use https:\/\//],
    ['https://203.0.113.7/hook', /names an IP address: SNS checks the endpoint's certificate against a host name/],
    ['https://[2001:db8::1]/hook', /names an IP address/],
    ['https://localhost:8443/hook', /not a public host name: SNS posts from the internet/],
    ['https://alerts.localhost/hook', /not a public host name/],
    ['https://hooks.example.net/a b', /without spaces or control characters/],
    ['hooks.example.net/x', /expected an https:\/\/ URL such as/],
    ['ftp://hooks.example.net/x', /expected an https:\/\/ URL, got "ftp:/],
  ])('webhook %s', (url, message) => {
    const problems = problemsOf({ alarms: { webhookUrls: [url] } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^backupMx\.alarms\.webhookUrls\[0\]: /);
    expect(problems[0]).toMatch(message);
  });

  it.each(['4155550123', '+0415555012', '+1415', '+1234567890123456', 'call me'])('SMS number %s is not E.164', (number) => {
    expect(problemsOf({ alarms: { smsNumbers: [number] } })).toEqual([
      `backupMx.alarms.smsNumbers[0]: expected a phone number in E.164 form such as "+14155550123" (country code first), got "${number}"`,
    ]);
  });

  it('a FIFO topic is refused (CloudWatch sends no message group id), and so is what is not a topic ARN', () => {
    expect(problemsOf({ alarms: { topicArns: ['arn:aws:sns:eu-west-1:123456789012:ops.fifo'] } })[0]).toMatch(/topicArns\[0\]: .*FIFO topic.*message group id/);
    expect(problemsOf({ alarms: { topicArns: ['arn:aws:sqs:eu-west-1:123456789012:ops'] } })[0]).toMatch(/topicArns\[0\]: expected an SNS topic ARN/);
  });

  it('a topic in another region than the stack\'s alarms is refused, naming both regions', () => {
    expect(problemsOf({ alarms: { topicArns: ['arn:aws:sns:us-east-1:123456789012:ops'] } })).toEqual([
      'backupMx.alarms.topicArns[0]: "arn:aws:sns:us-east-1:123456789012:ops" is in us-east-1, but the stack\'s alarms are in eu-west-1, and a CloudWatch alarm ' +
        'publishes only to topics of its own region; create a topic in eu-west-1 and subscribe the same endpoints to it',
    ]);
    // The region may come from the environment (-c without region): the check uses the one the stack gets.
    expect(() => parseBackupMxConfig({ routes: [route()], alarms: { topicArns: ['arn:aws:sns:us-east-1:123456789012:ops'] } }, { region: 'us-east-1' })).not.toThrow();
  });

  it('at most MAX_ALARM_TOPICS topics: CloudWatch runs 5 actions per alarm state and the stack uses two', () => {
    expect(MAX_ALARM_ACTIONS_PER_STATE).toBe(5);
    expect(MAX_ALARM_TOPICS).toBe(3);
    const topics = (n: number) => Array.from({ length: n }, (_, i) => `${TOPIC}-${i}`);
    expect(() => parse({ alarms: { topicArns: topics(3) } })).not.toThrow();
    expect(problemsOf({ alarms: { topicArns: topics(4) } })[0]).toMatch(/^backupMx\.alarms\.topicArns: at most 3 topics: a CloudWatch alarm runs at most 5 actions per state/);
  });

  it('a repeated entry is refused (the same number written twice is the same number)', () => {
    expect(problemsOf({ alarms: { smsNumbers: ['+14155550123', '+1 415 555 0123'] } })).toEqual(['backupMx.alarms.smsNumbers[1]: "+14155550123" is already listed at [0]']);
  });

  it('the override is true or false, nothing else', () => {
    expect(problemsOf({ alarms: { allowProtectedEmail: 'yes' } })).toEqual(['backupMx.alarms.allowProtectedEmail: expected true or false, got "yes"']);
  });
});

describe('alarmEmail in a protected domain (invariant 11)', () => {
  const routes = [route(), route({ name: 'lab', domains: ['lab.example.org'] })];

  it('an address in a route domain, or under one, is protected; a lookalike suffix or a parent domain is not', () => {
    expect(protectedDomainOf('ops@example.com', routes)).toEqual({ address: 'ops@example.com', domain: 'example.com', route: 'corp' });
    expect(protectedDomainOf('ops@alerts.example.com', routes)).toMatchObject({ domain: 'example.com', route: 'corp' });
    expect(protectedDomainOf('ops@lab.example.org', routes)).toMatchObject({ route: 'lab' });
    expect(protectedDomainOf('ops@notexample.com', routes)).toBeUndefined();
    expect(protectedDomainOf('ops@example.org', routes)).toBeUndefined();
  });

  it('the parser takes it (the local runner sends no alarms); the deploy checks refuse it, with the reason and every way out', () => {
    const config = parse({ alarmEmail: 'ops@example.com' });
    const problems = deployProblems(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^backupMx\.alarmEmail: "ops@example\.com" is in example\.com, which route "corp" protects: /);
    expect(problems[0]).toContain('would wait in backup-mx\'s own queue and nobody would be told');
    for (const way of ['another provider', 'alarms.webhookUrls', 'alarms.smsNumbers', 'alarms.topicArns', '"alarms": {"allowProtectedEmail": true}']) expect(problems[0]).toContain(way);
  });

  it('README quotes the refusal as synth writes it', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(deployProblems(parse({ alarmEmail: 'ops@example.com' }))[0]);
  });

  it('with alarms.allowProtectedEmail it is no problem for the deploy (synth warns instead); an address elsewhere never was', () => {
    expect(deployProblems(parse({ alarmEmail: 'ops@example.com', alarms: { allowProtectedEmail: true } }))).toEqual([]);
    expect(deployProblems(parse({ alarmEmail: 'ops@example.net' }))).toEqual([]);
    expect(protectedEmailProblems({ routes, alarms: {} })).toEqual([]);
  });
});
