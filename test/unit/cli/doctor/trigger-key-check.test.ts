// doctor's trigger key check: the trigger refuses every call without a key,
// so a stack upgraded from the Secrets Manager key (or never set up) fails
// the check with the command that makes or imports one.
import { describe, expect, it } from 'vitest';
import { checkTriggerKey } from '../../../../cli/doctor/trigger-key-check.js';

describe('doctor: trigger key', () => {
  it('no key in the table: fails, naming trigger-url and --import-key', async () => {
    const result = await checkTriggerKey({ read: async () => undefined }, undefined);
    expect(result.status).toBe('fail');
    expect(result.fix).toMatch(/npx backup-mx trigger-url/);
    expect(result.fix).toMatch(/--import-key/);
  });

  it('a key in the table, or a named secret: ok, and the key is never shown', async () => {
    const inTable = await checkTriggerKey({ read: async () => 'k'.repeat(64) }, undefined);
    expect(inTable.status).toBe('ok');
    expect(inTable.detail).not.toContain('kkkk');
    const named = await checkTriggerKey({ read: async () => { throw new Error('not read'); } }, 'arn:aws:secretsmanager:eu-west-1:1:secret:TriggerKey-Ab');
    expect(named).toMatchObject({ status: 'ok' });
  });
});
