import { describe, expect, it } from 'vitest';
import { smtpPortFromEnv } from '../../../../local/runner/runner-config.js';

describe('smtpPortFromEnv', () => {
  it('defaults to 2525', () => {
    expect(smtpPortFromEnv({})).toBe(2525);
    expect(smtpPortFromEnv({ BACKUPMX_SMTP_PORT: '' })).toBe(2525);
  });

  it('reads the port, 0 included (any free port)', () => {
    expect(smtpPortFromEnv({ BACKUPMX_SMTP_PORT: '25' })).toBe(25);
    expect(smtpPortFromEnv({ BACKUPMX_SMTP_PORT: '0' })).toBe(0);
  });

  it.each(['abc', '-1', '65536', '25.5'])('names the variable when %s is not a port', (value) => {
    expect(() => smtpPortFromEnv({ BACKUPMX_SMTP_PORT: value })).toThrow(/BACKUPMX_SMTP_PORT/);
  });
});
