// The "I'm back" trigger's key: the state table's trigger#key item (or the
// secret trigger.keySecretName names, which this does not read). Without it
// the trigger refuses every call, so a primary's hook fails at each start.
import type { DynamoTriggerKey } from '../../lambdas/adapters/aws/dynamo-trigger-key.js';
import { fail, ok, type CheckResult } from './check.js';

export const TRIGGER_KEY_CHECK = 'trigger key';

export async function checkTriggerKey(keys: Pick<DynamoTriggerKey, 'read'>, secretId: string | undefined): Promise<CheckResult> {
  if (secretId) return ok(TRIGGER_KEY_CHECK, `read from Secrets Manager (trigger.keySecretName): ${secretId}`);
  if ((await keys.read()) !== undefined) return ok(TRIGGER_KEY_CHECK, 'in the state table (trigger#key)');
  return fail(
    TRIGGER_KEY_CHECK,
    'the state table has no trigger key: the "I\'m back" trigger refuses every call',
    'run `npx backup-mx trigger-url` (it creates the key and says how to copy it to the primary); a primary set up before this version holds the old key: `--import-key <file>` stores that one (README: Upgrading)',
  );
}
