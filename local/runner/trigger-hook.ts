// Starts the local "I'm back" listener next to the SES stand-in: the same use
// case as the trigger Lambda, asking the runner's own probe (in this process). Port from
// BACKUPMX_TRIGGER_PORT (default 0: a free one, written to runtime.json).
import type { Composition } from '../../lambdas/app/composition.js';
import type { InProcessDrainStarter } from '../../lambdas/app/engine.js';
import type { TriggerKey } from '../../lambdas/core/operator/ports.js';
import { localTriggerUseCase } from '../../lambdas/app/trigger-app.js';
import type { LineOutput } from './line-output.js';
import { triggerPortFromEnv } from './runner-config.js';
import { FileTriggerKey, MemoryTriggerKey, TriggerListener, type TriggerHandler } from './trigger-listener.js';

export { TriggerPortError, triggerPortFromEnv } from './runner-config.js';

/** `keyDir` undefined: a random key kept in memory (a runner that writes no files, as in tests). */
export async function startLocalTrigger(composed: Composition, drains: InProcessDrainStarter, keyDir: string | undefined, env: NodeJS.ProcessEnv, out: LineOutput): Promise<TriggerListener> {
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
  const listener = await TriggerListener.start(wrapped, triggerPortFromEnv(env), (error) => out.warn(`trigger: ${error.message}`));
  const where = key.file ? `key in ${key.file}; \`backup-mx --local trigger-url <route>\` prints the command` : 'key in memory only';
  out.info(`"I'm back" trigger listening on ${listener.url}/<route> (${where})`);
  return listener;
}
