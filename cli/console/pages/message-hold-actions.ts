// The console's hold and release of one message (`hold --message <id>` /
// `release --message <id>`): the message stays queued while the rest of its
// route flows. Each calls target.operator.holdMessages as the CLI verb does
// and says what it did in the verb's words (held-message-lines.ts).
import { HoldRefusedError, type HoldOutcome, type HoldSubject } from '../../../lambdas/core/operator/hold-messages.js';
import type { MessageDetail } from '../../../lambdas/core/operator/message-details.js';
import { messageDetails } from '../../commands/show.js';
import { CliError, EXIT, UsageError } from '../../errors.js';
import { heldMessagesNote, releasedMessagesNote } from '../../held-message-lines.js';
import type { Target } from '../../target.js';
import { html } from '../html.js';
import { field, required, result, type ActionFields, type ConsoleAction } from './action-fields.js';
import { messageSummary, routeName } from './message-actions.js';

type Verb = 'hold' | 'release';

/** The message's queued copies this verb acts on (not yet held for hold, held for release); refused when there are none. */
async function subjects(target: Target, verb: Verb, fields: ActionFields): Promise<HoldSubject[]> {
  const id = required(fields, 'id');
  const details = await messageDetails(target, id, routeName(target, fields));
  const queued = details.filter((d) => d.state === 'queued');
  if (queued.length === 0) throw new UsageError(`${id} is not queued: only a queued message can be ${verb === 'hold' ? 'held' : 'released'}`);
  const acting = queued.filter((d: MessageDetail) => (verb === 'hold' ? !d.held : d.held !== undefined));
  if (acting.length === 0) throw new CliError(`${id} is ${verb === 'hold' ? 'already held' : 'not held'}: nothing to ${verb}`, EXIT.usage);
  return acting.map((d) => ({ id: d.id, route: d.route, ...(d.receivedAt ? { receivedAt: new Date(d.receivedAt) } : {}) }));
}

/** "message <id> held on route main" and the skips or failures, per outcome. */
function outcomeLine(verb: Verb, o: HoldOutcome): string {
  const where = `message ${o.message.id} on route ${o.message.route}`;
  if ('failed' in o) return `${where}: not ${verb === 'hold' ? 'held' : 'released'}: ${o.failed.message}`;
  if ('skipped' in o) return `${where}: skipped: ${o.skipped}`;
  return `${where}: ${verb === 'hold' ? 'held' : 'released'}`;
}

function holdAction(verb: Verb): ConsoleAction {
  return {
    fields: verb === 'hold' ? ['id', 'route', 'reason'] : ['id', 'route'],
    back: '/queue',
    async confirm(target, fields) {
      await subjects(target, verb, fields);
      const m = await messageSummary(target, fields);
      const reason = field(fields, 'reason');
      return verb === 'hold'
        ? {
            question: `Hold message ${m.id}?`,
            details: html`${m.details}<p>It stays queued and is not delivered while the rest of its route flows, until released; still held at the end of its queue lifetime, it expires and its sender is told.${
              reason ? html` Reason: “${reason}”.` : ''
            }</p>`,
            button: 'Hold',
            fields: { ...m.fields, ...(reason ? { reason } : {}) },
          }
        : { question: `Release message ${m.id}?`, details: html`${m.details}<p>It is queued afresh and delivered by the next drain.</p>`, button: 'Release', fields: m.fields };
    },
    async run(target, fields) {
      const plan = await subjects(target, verb, fields);
      const holds = target.operator.holdMessages;
      let outcomes: HoldOutcome[];
      try {
        outcomes = verb === 'hold' ? await holds.hold(plan, field(fields, 'reason')) : await holds.release(plan);
      } catch (error) {
        if (error instanceof HoldRefusedError) throw new UsageError(error.message);
        throw error;
      }
      const acted = outcomes.flatMap((o) => ('acted' in o ? [o] : []));
      const later = acted.filter((o) => !o.queuedAgain).length;
      const note = acted.length === 0 ? undefined : verb === 'hold' ? heldMessagesNote(holds.firstExpiry(plan)) : releasedMessagesNote(acted.length - later, later, false);
      return result([...outcomes.map((o) => outcomeLine(verb, o)), note], !outcomes.some((o) => 'failed' in o));
    },
  };
}

export const MESSAGE_HOLD_ACTIONS: [string, ConsoleAction][] = [
  ['hold-message', holdAction('hold')],
  ['release-message', holdAction('release')],
];
