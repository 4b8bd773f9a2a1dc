// The recipient push function's and the rule writer's settings, as the stack
// writes them: read whole, or refused with every missing or bad variable named
// (SettingsError), never half-read.
import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../../lambdas/config/settings.js';
import { loadRecipientPushSettings, loadRuleWriterSettings } from '../../../lambdas/config/recipient-push-settings.js';

const DIGEST = 'a'.repeat(64);
const pushEnv = {
  BACKUPMX_TABLE_NAME: 'state',
  BACKUPMX_BUCKET_NAME: 'mail',
  BACKUPMX_RULE_WRITER_FUNCTION: 'writer',
  BACKUPMX_ROUTE_TABLE_DIGEST: DIGEST,
  BACKUPMX_PUSH_MAX_BODY_BYTES: '65536',
  BACKUPMX_STACK_NAME: 'BackupMx',
};
const writerEnv = { BACKUPMX_TABLE_NAME: 'state', BACKUPMX_BUCKET_NAME: 'mail', BACKUPMX_RULE_SET_NAME: 'rules', BACKUPMX_ROUTE_TABLE_DIGEST: DIGEST };

const refusal = (load: () => unknown): string => {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error('expected a SettingsError');
};

describe('loadRecipientPushSettings', () => {
  it('reads the variables the stack sets; never the trigger key secret (the push has a key of its own)', () => {
    expect(loadRecipientPushSettings(pushEnv)).toEqual({ tableName: 'state', bucketName: 'mail', ruleWriterFunctionName: 'writer', routeTableDigest: DIGEST, maxBodyBytes: 65_536, stackName: 'BackupMx' });
    expect(loadRecipientPushSettings({ ...pushEnv, BACKUPMX_TRIGGER_SECRET: 'trigger-key' })).not.toHaveProperty('triggerSecretId');
  });

  it('names every missing variable at once', () => {
    const message = refusal(() => loadRecipientPushSettings({ BACKUPMX_TABLE_NAME: 'state' }));
    for (const name of ['BACKUPMX_BUCKET_NAME', 'BACKUPMX_RULE_WRITER_FUNCTION', 'BACKUPMX_ROUTE_TABLE_DIGEST', 'BACKUPMX_PUSH_MAX_BODY_BYTES']) {
      expect(message).toContain(`${name}: required by the recipient push function`);
    }
    expect(message).not.toContain('BACKUPMX_TABLE_NAME');
  });

  it('refuses a digest that is not 64 hex digits and a body cap that is not a positive whole number', () => {
    expect(refusal(() => loadRecipientPushSettings({ ...pushEnv, BACKUPMX_ROUTE_TABLE_DIGEST: 'abc' }))).toContain('BACKUPMX_ROUTE_TABLE_DIGEST: expected 64 hex digits');
    for (const bad of ['0', '-1', '1.5', 'lots']) {
      expect(refusal(() => loadRecipientPushSettings({ ...pushEnv, BACKUPMX_PUSH_MAX_BODY_BYTES: bad }))).toContain('BACKUPMX_PUSH_MAX_BODY_BYTES: expected a positive whole number of bytes');
    }
  });
});

describe('loadRuleWriterSettings', () => {
  it('reads the variables of its push pass', () => {
    expect(loadRuleWriterSettings(writerEnv)).toEqual({ tableName: 'state', bucketName: 'mail', ruleSetName: 'rules', routeTableDigest: DIGEST });
  });

  it('names every missing variable', () => {
    const message = refusal(() => loadRuleWriterSettings({ BACKUPMX_TABLE_NAME: 'state', BACKUPMX_BUCKET_NAME: '' }));
    for (const name of ['BACKUPMX_BUCKET_NAME', 'BACKUPMX_RULE_SET_NAME', 'BACKUPMX_ROUTE_TABLE_DIGEST']) {
      expect(message).toContain(`${name}: required by the rule writer's push pass`);
    }
  });
});
