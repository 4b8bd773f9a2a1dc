import { describe, expect, it } from 'vitest';
import { BackupMxConfigError, parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';

const route = (extra: Record<string, unknown> = {}) => ({ name: 'corp', domains: ['example.com'], primary: { host: 'mail.example.com', port: 587 }, ...extra });

describe('delayWarningHours in the configuration', () => {
  it('defaults to 0 (off), takes hours globally and per route (strings from -c too)', () => {
    expect(parseBackupMxConfig({ region: 'us-east-1', routes: [route()] }).delayWarningHours).toBe(0);
    const config = parseBackupMxConfig({ region: 'us-east-1', delayWarningHours: '4', routes: [route({ delayWarningHours: 1 })] });
    expect(config.delayWarningHours).toBe(4);
    expect(config.routes[0]!.delayWarningHours).toBe(1);
  });

  it('refuses a bad value and a warning that could never come before the queue lifetime ends', () => {
    expect(() => parseBackupMxConfig({ region: 'us-east-1', delayWarningHours: -1, routes: [route()] })).toThrow(/backupMx\.delayWarningHours: expected 0–720, got -1/);
    let error: BackupMxConfigError | undefined;
    try {
      parseBackupMxConfig({ region: 'us-east-1', queueLifetimeDays: 2, routes: [route({ delayWarningHours: 48 })] });
    } catch (e) {
      error = e as BackupMxConfigError;
    }
    expect(error?.problems).toEqual(['backupMx.routes[0].delayWarningHours: 48 hours is not less than the queue lifetime (queueLifetimeDays 2 = 48 hours): the warning would never be sent']);
    expect(parseBackupMxConfig({ region: 'us-east-1', queueLifetimeDays: 2, routes: [route({ delayWarningHours: 47 })] }).routes[0]!.delayWarningHours).toBe(47);
  });
});
