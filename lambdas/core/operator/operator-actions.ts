// The operator's actions on mail, built once from the engine's ports: the CLI
// (and any other admin surface) only parses, calls these and prints.
import type { MessageIndex } from '../accept/ports.js';
import type { NotificationParser } from '../drain/drain-deps.js';
import type { MailQueue } from '../drain/ports.js';
import type { MessageStore } from '../message/ports.js';
import type { Route } from '../model.js';
import type { DeadLetterStore, Ledger } from '../outcome/ports.js';
import type { RouteState } from '../probe/ports.js';
import type { Clock } from '../runtime/ports.js';
import { DeleteMessage } from './delete-message.js';
import { HoldRoute } from './hold-route.js';
import type { DeadLetterQueue, LedgerPurge } from './mail-ports.js';
import { RequeueDeadLetters } from './requeue-dead-letters.js';

export interface OperatorDeps {
  routes: Route[];
  ledger: Ledger;
  purge: LedgerPurge;
  index: MessageIndex;
  store: MessageStore;
  deadLetters: DeadLetterStore;
  deadLetterQueue: DeadLetterQueue;
  routeState: Pick<RouteState, 'hold' | 'setHold'>;
  queues: (route: Route) => MailQueue;
  parse: NotificationParser;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  isExpired(receivedAt: Date, now: Date): boolean;
  mailKey(route: string, messageId: string): string;
}

export interface OperatorActions {
  requeue: RequeueDeadLetters;
  delete: DeleteMessage;
  hold: HoldRoute;
  /** The dead-letter queue's depth (status, doctor, `mailq --dead` compare it with the records). */
  deadLetterDepth(): Promise<number>;
}

export function operatorActions(deps: OperatorDeps): OperatorActions {
  return {
    requeue: new RequeueDeadLetters(deps),
    delete: new DeleteMessage(deps),
    hold: new HoldRoute(deps),
    deadLetterDepth: () => deps.deadLetterQueue.depth(),
  };
}
