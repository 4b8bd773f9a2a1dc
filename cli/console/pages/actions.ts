// The console's actions by name: on a route (route-actions.ts), on one message
// (message-actions.ts, message-hold-actions.ts), on a queue selection (bulk-actions.ts), replay
// (replay-action.ts). Each calls the
// operator's use cases as its CLI verb does and says what it did in the verb's
// words. A confirmation page (confirm.ts) describes what will happen; only its
// form's POST (server.ts: cookie, CSRF token, Origin) runs it.
import { CliError } from '../../errors.js';
import type { Target } from '../../target.js';
import type { ActionFields, ActionResult, ConsoleAction } from './action-fields.js';
import { BULK_ACTIONS } from './bulk-actions.js';
import { MESSAGE_ACTIONS } from './message-actions.js';
import { MESSAGE_HOLD_ACTIONS } from './message-hold-actions.js';
import { REPLAY_ACTION } from './replay-action.js';
import { ROUTE_ACTIONS } from './route-actions.js';

export type { ActionFields, ActionResult, Confirmation, ConsoleAction } from './action-fields.js';

export const ACTIONS: ReadonlyMap<string, ConsoleAction> = new Map<string, ConsoleAction>([...ROUTE_ACTIONS, REPLAY_ACTION, ...MESSAGE_ACTIONS, ...MESSAGE_HOLD_ACTIONS, ...BULK_ACTIONS]);

/** Runs the action; a CliError (a bad field, nothing to do) is a failed result naming why. */
export async function runAction(action: ConsoleAction, target: Target, fields: ActionFields): Promise<ActionResult> {
  try {
    return await action.run(target, fields);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { ok: false, line: error.message };
  }
}
