// What the composition root hands a program: the engine (its use cases), the
// operator's use cases, and the dependencies both were built from. Only the
// programs' wiring code (the local runner's start and stop, the canary and
// trigger wiring) and tests take `deps` and `clients`; the engine itself
// exposes use cases only, so no caller reaches around them.
import type { AwsClients } from '../adapters/aws/clients.js';
import type { Settings } from '../config/settings.js';
import type { EnvelopeArchive } from '../core/accept/ports.js';
import type { EngineDeps } from '../core/drain/drain-deps.js';
import type { OperatorActions } from '../core/operator/operator-actions.js';
import type { Forwarder } from '../core/operator/forward-message.js';
import { composeEngine, type EngineOverrides } from './compose.js';
import { composeOperator, type OperatorRecipientRules } from './compose-operator.js';
import { Engine } from './engine.js';

export interface Composition {
  engine: Engine;
  /** The operator's actions and reads on the same ports (requeue, delete, hold, show, mailq, verify, …). */
  operator: OperatorActions;
  /** The engine's dependencies, as built (observers wrapped in): for wiring code and tests, never for a command. */
  deps: Readonly<EngineDeps>;
  /** The platform's clients the dependencies use. */
  clients: AwsClients;
  /** Envelopes of accepted messages (replay, export). */
  archive: EnvelopeArchive;
}

/** The engine and the operator for `settings` on the platform's clients (`overrides.clients`), from one set of parts. */
/** `forwarder`: where the operator's `forward` sends (locally the outbox); SES by default. */
/** `recipientRules`: how `recipients push` gets rules written on this target (compose-operator.ts); absent: it cannot push. */
export function composeBackupMx(settings: Settings, overrides: EngineOverrides & { clients: AwsClients; forwarder?: Forwarder; recipientRules?: OperatorRecipientRules }): Composition {
  const parts = composeEngine(settings, overrides.clients, overrides);
  return {
    engine: new Engine(settings, { parts }),
    operator: composeOperator(settings, parts, overrides.forwarder, overrides.recipientRules),
    deps: parts.deps,
    clients: parts.clients,
    archive: parts.archive,
  };
}
