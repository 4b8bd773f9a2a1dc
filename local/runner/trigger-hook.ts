// Starts the local "I'm back" listener next to the SES stand-in: the same use
// case as the trigger Lambda, asking the runner's own probe (in this process). Port from
// BACKUPMX_TRIGGER_PORT (default 0: a free one, written to runtime.json).
// It also serves the recipient push (POST /<route>/recipients) with the push
// function's use case and gate and a key of its own (<data dir>/recipient-push.key,
// as the stack's pushkey#recipients item is not the trigger key); the stand-in reads the stored lists.
import type { Composition } from '../../lambdas/app/composition.js';
import type { InProcessDrainStarter } from '../../lambdas/app/engine.js';
import type { TriggerKey } from '../../lambdas/core/operator/ports.js';
import { localTriggerUseCase } from '../../lambdas/app/trigger-app.js';
import { DynamoPushGate } from '../../lambdas/adapters/aws/dynamo-push-gate.js';
import { RecipientPushEndpoint } from '../../lambdas/core/recipients/push-endpoint.js';
import type { SyncRecipients } from '../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../lambdas/core/recipients/synced-route.js';
import type { LineOutput } from './line-output.js';
import { pushIntervalFromEnv, triggerPortFromEnv } from './runner-config.js';
import { FileTriggerKey, MemoryTriggerKey, PUSH_KEY_FILE, TriggerListener, type PushHandler, type TriggerHandler } from './trigger-listener.js';

export { TriggerPortError, triggerPortFromEnv } from './runner-config.js';

/** `keyDir` undefined: a random key kept in memory (a runner that writes no files, as in tests). */
/** The runner's recipient sync: its use case and the synced routes as configured now (after any reload). */
export interface LocalRecipientSync {
  sync: Pick<SyncRecipients, 'push'>;
  routes: () => SyncedRoute[];
}

export async function startLocalTrigger(composed: Composition, drains: InProcessDrainStarter, keyDir: string | undefined, env: NodeJS.ProcessEnv, out: LineOutput, recipients?: LocalRecipientSync): Promise<TriggerListener> {
  const key: TriggerKey & { file?: string } = keyDir ? FileTriggerKey.inDir(keyDir) : new MemoryTriggerKey();
  await key.secret(); // create it now, so `backup-mx trigger-url` finds it
  const useCase = localTriggerUseCase(composed, key, drains);
  // The runner says what each call did, as it does for deliveries.
  const wrapped: TriggerHandler = {
    handle: async (request) => {
      const result = await useCase.handle(request);
      out.info(`trigger for route ${request.route}: ${result.status} ${result.message}`);
      return result;
    },
    refusedHttp: () => useCase.refusedHttp(),
  };
  const { deps, engine } = composed;
  const pushInterval = pushIntervalFromEnv(env);
  // The push's own key, made now so `backup-mx --local recipients push-command` finds it.
  const pushKey = recipients ? (keyDir ? FileTriggerKey.inDir(keyDir, PUSH_KEY_FILE) : new MemoryTriggerKey()) : undefined;
  await pushKey?.secret();
  const push = recipients && pushKey
    ? new RecipientPushEndpoint({
        key: pushKey,
        gate: new DynamoPushGate(composed.clients.doc, engine.settings.tableName),
        routes: async () => recipients.routes(),
        sync: recipients.sync,
        clock: deps.clock,
        log: deps.log,
        metrics: deps.metrics,
        // BACKUPMX_PUSH_INTERVAL_SECONDS shortens the gate's minute (tests); unset, the function's.
        ...(pushInterval !== undefined ? { minIntervalSeconds: pushInterval } : {}),
      })
    : undefined;
  const pushes: PushHandler | undefined = push && {
    handle: async (request) => {
      const result = await push.handle(request);
      out.info(`recipient push for route ${request.route}: ${result.status} ${result.message}`);
      return result;
    },
    refusedHttp: (why) => push.refusedHttp(why),
  };
  const listener = await TriggerListener.start(wrapped, triggerPortFromEnv(env), (error) => out.warn(`trigger: ${error.message}`), pushes);
  const where = key.file ? `key in ${key.file}; \`backup-mx --local trigger-url <route>\` prints the command` : 'key in memory only';
  out.info(`"I'm back" trigger listening on ${listener.url}/<route> (${where})`);
  if (pushKey instanceof FileTriggerKey) out.info(`recipient push on ${listener.url}/<route>/recipients (its own key in ${pushKey.file}; \`backup-mx --local recipients push-command <route>\` prints the command)`);
  return listener;
}
