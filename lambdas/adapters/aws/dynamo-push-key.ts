// The stack's recipient push key in the state table: `pushkey#recipients` /
// `hmac`, 64 hex characters, kept as the trigger key is (same attributes,
// created once by a conditional put, cached by the reader) but a key of its
// own: every primary that calls the "I'm back" trigger holds the trigger key,
// so route push keys derived from it could be derived by any of them. Created
// by `backup-mx recipients push-command` with the operator's credentials; read
// only by the push function (lib/constructs/table-access.ts), which cannot write it.
// Always in the table (no Secrets Manager option): trigger.keySecretName exists
// for a secret an earlier version made, and no earlier version had this key.
import { RECIPIENT_PUSH_KEY_PREFIX } from '../../config/table-layout.js';
import { DynamoTriggerKey, TRIGGER_KEY_ATTRIBUTES } from './dynamo-trigger-key.js';
import { PK, SK } from './dynamo-keys.js';

export const RECIPIENT_PUSH_KEY_ITEM = { [PK]: `${RECIPIENT_PUSH_KEY_PREFIX}recipients`, [SK]: 'hmac' } as const;
/** Every attribute of the key item (the trigger key's). */
export const RECIPIENT_PUSH_KEY_ATTRIBUTES = TRIGGER_KEY_ATTRIBUTES;

export class PushKeyMissingError extends Error {
  constructor() {
    super(`the recipient push has no key yet (state table item ${RECIPIENT_PUSH_KEY_ITEM[PK]}): run \`npx backup-mx recipients push-command\`, which creates it, and put each route's key on its primary (README: "Pushing the list")`);
    this.name = 'PushKeyMissingError';
  }
}

export class PushKeyDamagedError extends Error {
  constructor(problem: string) {
    super(`the recipient push key item ${RECIPIENT_PUSH_KEY_ITEM[PK]} ${problem}`);
    this.name = 'PushKeyDamagedError';
  }
}

/** The push key: read (cached), created when missing; the trigger key's reader on its own item. */
export class DynamoPushKey extends DynamoTriggerKey {
  protected override readonly item = RECIPIENT_PUSH_KEY_ITEM;
  protected override readonly remedy = 'npx backup-mx recipients push-command';
  protected override missing(): Error {
    return new PushKeyMissingError();
  }
  protected override damaged(problem: string): Error {
    return new PushKeyDamagedError(problem);
  }
}
