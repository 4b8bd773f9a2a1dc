// BACKUPMX_DETAILED_METRICS: the stack sets "1" on every function when the
// dashboard is on; the detailed idle figures are then metrics, otherwise log
// fields (powertools-metrics.ts). The CLI's local target writes a settings
// object back as variables (true/false): both spellings read the same.
import { describe, expect, it } from 'vitest';
import { ENV, loadSettings, SettingsError } from '../../../lambdas/config/settings.js';

const BASE = {
  [ENV.routes]: JSON.stringify([{ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587, tls: 'required' }, queueUrl: 'https://sqs.example/q', bouncePolicy: 'dsn' }]),
  [ENV.tableName]: 't',
  [ENV.bucketName]: 'b',
  [ENV.deadLetterQueueUrl]: 'https://sqs.example/dlq',
};

describe('detailedMetrics', () => {
  it.each([
    [undefined, false],
    ['0', false],
    ['false', false],
    ['1', true],
    ['true', true],
  ])('%s reads as %s', (value, expected) => {
    expect(loadSettings({ ...BASE, ...(value === undefined ? {} : { [ENV.detailedMetrics]: value }) }).detailedMetrics).toBe(expected);
  });

  it('anything else is refused, naming the variable', () => {
    expect(() => loadSettings({ ...BASE, [ENV.detailedMetrics]: 'yes' })).toThrow(SettingsError);
    expect(() => loadSettings({ ...BASE, [ENV.detailedMetrics]: 'yes' })).toThrow(/BACKUPMX_DETAILED_METRICS/);
  });
});
