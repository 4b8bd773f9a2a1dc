// Scripted primaries that live for one test: started on demand, all stopped
// after each test of the file that calls this.
import { afterEach } from 'vitest';
import { ScriptedPrimary } from './scripted-primary.js';
import type { ScriptedPrimaryOptions } from './scripted-primary-script.js';

/** Registers the afterEach that stops them; returns the function that starts one. */
export function primariesPerTest(): (options?: ScriptedPrimaryOptions) => Promise<ScriptedPrimary> {
  const started: ScriptedPrimary[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.stop()));
  });
  return async (options = {}) => {
    const primary = await ScriptedPrimary.start(options);
    started.push(primary);
    return primary;
  };
}
